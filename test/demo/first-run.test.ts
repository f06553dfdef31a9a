// A new user's first run, replayed on the day the test runs: the demo ends
// yesterday in the practice's zone, `run` computes the numbers as of now, and
// This week is the last complete Monday–Sunday week before today, with
// referrals in it (not the empty week of a demo that ended long ago).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yesterdayIn } from '../../src/demo/practice.ts';
import { addDays, lastCompleteWeek } from '../../src/digest/week.ts';
import { refloop, refloopRows } from '../helpers/cli.ts';

const ZONE = 'America/New_York';
let dir: string;
/** This week as it may be named: today's, read before and after the run (a run across midnight has two). */
let weeks: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-first-run-'));
  const before = lastCompleteWeek(addDays(yesterdayIn(ZONE), 1));
  const demo = refloop(['demo', '--referrals', '3000'], { cwd: dir });
  expect(demo.code, demo.stderr).toBe(0);
  const run = refloop(['run'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  weeks = [before, lastCompleteWeek(addDays(yesterdayIn(ZONE), 1))];
}, 300_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

const sql = <T>(query: string): T[] => refloopRows<T>(dir, query);

describe('a first run on the day it runs', () => {
  it('names as this week the last complete week before today, and counts referrals in it', () => {
    const [week] = sql<{ week: string }>('SELECT DISTINCT week_start::VARCHAR AS week FROM kpi_signals WHERE is_this_week');
    expect(weeks).toContain(week!.week);
    const cards = sql<{ metric: string; value: number | null }>(
      "SELECT metric, value FROM kpi_signals WHERE is_latest_mature_week AND service_line = 'all' AND metric IN ('referrals', 'in_scope', 'seen_within_14_days') ORDER BY metric",
    );
    expect(cards).toHaveLength(3);
    // About 29 referrals a week over two years: a week without any would be the stale-demo bug.
    for (const card of cards) expect(card.value, card.metric).toBeGreaterThan(0);
  });

  it('finds every daily feed fresh: the demo delivered yesterday', () => {
    const stale = sql<{ feed: string }>("SELECT feed FROM feed_freshness WHERE is_stale AND feed IN ('referrals', 'referral_events', 'appointments', 'visits')");
    expect(stale).toEqual([]);
  });
});
