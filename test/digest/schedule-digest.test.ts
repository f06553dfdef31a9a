// The schedule writes the weekly digest after each publish that succeeded:
// not after a failed publish, not after an ingest run, and a digest that
// fails does not fail the schedule.
import { describe, expect, it } from 'vitest';
import { catchUp } from '../../pipelines/schedule.ts';
import { parseConfig } from '../../src/config/load.ts';

const config = parseConfig({ timezone: 'America/New_York', service_lines: [{ id: 'x', name: 'X' }], schedule: { ingest: '15 * * * *', publish: '0 6 * * 1' } });
// Monday 2026-11-23 07:00 EST: both jobs are due (nothing ran before).
const now = () => new Date('2026-11-23T12:00:00Z');

async function scheduleOnce(exit: Record<string, number>, digest: () => Promise<void>) {
  const order: string[] = [];
  await catchUp({
    config,
    now,
    lastSuccess: async () => undefined,
    execute: async (job) => {
      order.push(job);
      return exit[job] ?? 0;
    },
    digest: async () => {
      order.push('digest');
      await digest();
    },
  });
  return order;
}

describe('the weekly digest on the schedule', () => {
  it('is written once, right after a publish that succeeded', async () => {
    expect(await scheduleOnce({}, async () => undefined)).toEqual(['run', 'publish', 'digest']);
  });

  it('is not written after a publish that failed', async () => {
    expect(await scheduleOnce({ publish: 1 }, async () => undefined)).toEqual(['run', 'publish']);
  });

  it('failing does not stop the schedule', async () => {
    expect(
      await scheduleOnce({}, async () => {
        throw new Error('Chromium is missing');
      }),
    ).toEqual(['run', 'publish', 'digest']);
  });
});
