// The demo's dates: without --end it ends yesterday in the practice's zone
// (so a new user's first page shows a real week, not the weeks after a fixed
// end), and covers two years of whole weeks; with --end it is the same demo
// whatever today is.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, TRUTH_FILE } from '../../pipelines/demo.ts';
import { demoCommand } from '../../src/cli/commands/demo.ts';
import { dayNumber } from '../../src/demo/calendar.ts';
import { buildPractice, DEFAULT_DEMO, demoOptions, demoStartFor, yesterdayIn } from '../../src/demo/practice.ts';

describe('the demo’s default dates', () => {
  it('ends yesterday in the practice’s zone, not in UTC', () => {
    // 03:30 UTC on 2 December is 22:30 on 1 December in New York: yesterday there is 30 November.
    const now = new Date('2026-12-02T03:30:00Z');
    expect(yesterdayIn('America/New_York', now)).toBe('2026-11-30');
    expect(yesterdayIn('UTC', now)).toBe('2026-12-01');
    // Midnight in New York (05:00 UTC, standard time): 2 December has begun there.
    expect(yesterdayIn('America/New_York', new Date('2026-12-02T04:59:59Z'))).toBe('2026-11-30');
    expect(yesterdayIn('America/New_York', new Date('2026-12-02T05:00:00Z'))).toBe('2026-12-01');
  });

  it('starts on the Monday that gives two years of whole weeks ending with the week of the end', () => {
    expect(demoStartFor('2026-11-22')).toBe('2024-11-25'); // a Sunday end: exactly 104 Monday–Sunday weeks
    expect(demoStartFor('2026-11-23')).toBe('2024-12-02'); // a Monday end starts the 104th week
    expect(demoStartFor('2026-11-29')).toBe('2024-12-02');
  });

  it('takes every date and number given, and fills only what is missing', () => {
    const now = new Date('2026-12-02T15:00:00Z');
    expect(demoOptions({}, 'America/New_York', now)).toEqual({ seed: 20261122, referrals: 25_000, start: '2024-12-09', end: '2026-12-01' });
    expect(demoOptions({ end: '2026-06-28', referrals: 300 }, 'America/New_York', now)).toEqual({ seed: 20261122, referrals: 300, start: '2024-07-01', end: '2026-06-28' });
    expect(demoOptions({ start: '2026-01-05', end: '2026-06-28', seed: 4 }, 'America/New_York', now)).toEqual({ seed: 4, referrals: 25_000, start: '2026-01-05', end: '2026-06-28' });
  });

  it('keeps the pinned demo of --end 2026-11-22 the demo it always was', () => {
    expect(DEFAULT_DEMO).toEqual({ seed: 20261122, referrals: 25_000, start: '2024-11-25', end: '2026-11-22' });
    expect(demoOptions({ end: '2026-11-22' }, 'Pacific/Auckland')).toEqual(DEFAULT_DEMO);
  });
});

describe('refloop demo without --end', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'refloop-demo-dates-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  /** Runs the command; returns the dates its truth file records and yesterday in the zone, read around the run. */
  async function run(dir: string, zone: string) {
    await mkdir(dir, { recursive: true });
    const before = yesterdayIn(zone);
    expect(await demoCommand.run({ referrals: '40', config: join(dir, 'refloop.config.json'), inbox: join(dir, 'inbox') }, [])).toBe(0);
    const after = yesterdayIn(zone);
    const truth = JSON.parse(await readFile(join(dir, 'inbox', TRUTH_FILE), 'utf8')) as { options: { start: string; end: string } };
    return { ...truth.options, yesterday: [before, after] };
  }

  it('ends yesterday in the demo practice’s zone, two years after its start', async () => {
    const demo = await run(join(root, 'new'), 'America/New_York');
    expect(demo.yesterday).toContain(demo.end);
    expect(demo.start).toBe(demoStartFor(demo.end));
  });

  it('follows the zone of a config it keeps', async () => {
    // Kiritimati (UTC+14) and Pago Pago (UTC−11) are 25 hours apart: their dates always differ.
    const ends: string[] = [];
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const dir = join(root, zone.replace('/', '-'));
      await mkdir(dir);
      await writeFile(join(dir, 'refloop.config.json'), JSON.stringify({ ...demoConfig(), timezone: zone }));
      const demo = await run(dir, zone);
      expect(demo.yesterday).toContain(demo.end);
      ends.push(demo.end);
    }
    expect(ends[0]).not.toBe(ends[1]);
  });
});

describe('the capacity the demo plans around its end', () => {
  it('gives the week its end falls in as many slots as a whole week, not the share of it the demo covers', () => {
    // Ending on Monday 2026-11-30, the demo covers one day of that week; its slots are planned like the next week's.
    const practice = buildPractice(demoOptions({ end: '2026-11-30' }, 'America/New_York'));
    const monday = dayNumber('2026-11-30');
    for (const [line, weeks] of practice.capacity) {
      const ratio = weeks.get(monday)! / weeks.get(monday + 7)!;
      expect(ratio, line).toBeGreaterThan(0.6);
    }
  });
});
