// Catch-up with a fake clock: whether a job is due comes from its latest cron
// tick (in the practice's zone) and the last successful run, across
// daylight-saving changes.
import { describe, expect, it } from 'vitest';
import { catchUp, isDue, latestTick } from '../../pipelines/schedule.ts';
import { parseConfig } from '../../src/config/load.ts';

const TZ = 'America/New_York';
const at = (iso: string) => new Date(iso);

describe('latest tick and due-ness', () => {
  it('finds the last Monday 06:00 local, and is due only when no success started after it', () => {
    // Monday 2026-11-23 07:00 EST = 12:00Z; the tick was 06:00 EST = 11:00Z.
    expect(latestTick('0 6 * * 1', TZ, at('2026-11-23T12:00:00Z')).toISOString()).toBe('2026-11-23T11:00:00.000Z');
    expect(isDue('0 6 * * 1', TZ, at('2026-11-23T12:00:00Z'), at('2026-11-16T11:05:00Z'))).toBe(true);
    expect(isDue('0 6 * * 1', TZ, at('2026-11-23T12:00:00Z'), at('2026-11-23T11:00:00Z'))).toBe(false);
    expect(isDue('0 6 * * 1', TZ, at('2026-11-23T12:00:00Z'), undefined)).toBe(true);
  });

  it('counts both occurrences of the repeated hour when the clocks fall back', () => {
    // 2026-11-01: 01:15 EDT (05:15Z), then 01:15 EST (06:15Z) an hour later.
    expect(latestTick('15 * * * *', TZ, at('2026-11-01T06:20:00Z')).toISOString()).toBe('2026-11-01T06:15:00.000Z');
    expect(isDue('15 * * * *', TZ, at('2026-11-01T06:20:00Z'), at('2026-11-01T05:16:00Z'))).toBe(true);
    expect(isDue('15 * * * *', TZ, at('2026-11-01T05:20:00Z'), at('2026-11-01T05:16:00Z'))).toBe(false);
  });

  it('skips a tick that falls in the spring-forward gap (cron-parser), so the day before is the latest', () => {
    // 02:30 does not exist on 2026-03-08; the latest 02:30 is the day before (07:30Z).
    expect(latestTick('30 2 * * *', TZ, at('2026-03-08T12:00:00Z')).toISOString()).toBe('2026-03-07T07:30:00.000Z');
  });
});

describe('catch-up at start', () => {
  it('runs each missed job once, as catch-up, and leaves jobs that already ran', async () => {
    const config = parseConfig({ timezone: TZ, service_lines: [{ id: 'x', name: 'X' }], schedule: { ingest: '15 * * * *', publish: '0 6 * * 1' } });
    const executed: [string, string][] = [];
    // Monday 2026-03-09 07:00 EDT (11:00Z), the day after the change to daylight time. The machine slept over the weekend:
    // the last publish ran the Monday before at 06:02 EST; the last ingest ran at 06:20 EDT today.
    const lastSuccess = { publish: at('2026-03-02T11:02:00Z'), run: at('2026-03-09T10:20:00Z') };
    const caught = await catchUp({
      config,
      now: () => at('2026-03-09T11:00:00Z'),
      lastSuccess: async (job) => lastSuccess[job as keyof typeof lastSuccess],
      execute: async (job, trigger) => {
        executed.push([job, trigger]);
        return 0;
      },
    });
    expect(caught).toEqual(['publish']);
    expect(executed).toEqual([['publish', 'catch-up']]);
  });
});
