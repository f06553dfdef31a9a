// What the digest reads, on fixture marts: the week each number is read for,
// the signals of kpi_signals (to its contract), and the funnel's counts by
// service line as the marts hold them (the dashboards show them unsuppressed:
// a service line is not a patient attribute).
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { readFunnel, readSignals } from '../../src/digest/read.ts';
import { lastCompleteWeek, matureWeek, parseWeek } from '../../src/digest/week.ts';
import type { Query } from '../../src/site/loader.ts';

let close: (() => void) | undefined;
afterEach(() => close?.());

async function database(...setup: string[]): Promise<Query> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  for (const sql of setup) await connection.run(sql);
  return async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as never;
}

const KPI_WEEKLY = 'CREATE TABLE kpi_weekly (week DATE, service_line VARCHAR, metric VARCHAR, value DOUBLE, avg_previous_4_weeks DOUBLE, mature_after_days INTEGER, is_complete_week BOOLEAN)';
const kpi = (week: string, line: string, metric: string, value: number | null, days = 0) =>
  `INSERT INTO kpi_weekly VALUES (DATE '${week}', '${line}', '${metric}', ${value ?? 'NULL'}, NULL, ${days}, true)`;

describe('the week of a digest', () => {
  it('is the last complete Monday–Sunday week before as_of, whatever day as_of falls on', () => {
    expect(lastCompleteWeek('2026-11-23')).toBe('2026-11-16'); // a Monday: the week that has just ended
    expect(lastCompleteWeek('2026-11-29')).toBe('2026-11-16'); // the Sunday after: its own week has not ended
    expect(lastCompleteWeek('2026-11-30')).toBe('2026-11-23');
  });

  it('takes --week as any day of the week wanted, and refuses what is not a date', () => {
    expect(parseWeek('2026-11-04')).toBe('2026-11-02');
    expect(parseWeek('2026-11-02')).toBe('2026-11-02');
    expect(() => parseWeek('2026-02-30')).toThrow(/--week must be a date/);
    expect(() => parseWeek('16/11/2026')).toThrow(/--week must be a date/);
  });

  it('reads a later stage for the latest week old enough by the end of the digest week', () => {
    expect(matureWeek('2026-11-16', 0)).toBe('2026-11-16');
    expect(matureWeek('2026-11-16', 3)).toBe('2026-11-09');
    expect(matureWeek('2026-11-16', 14)).toBe('2026-11-02');
    expect(matureWeek('2026-11-16', 15)).toBe('2026-10-26');
    expect(matureWeek('2026-11-16', 30)).toBe('2026-10-12');
  });
});

describe('the signals of the week (kpi_signals)', () => {
  const KPI_SIGNALS = `CREATE TABLE kpi_signals (metric VARCHAR, metric_label VARCHAR, service_line VARCHAR, week_start DATE, value DOUBLE,
    is_signal BOOLEAN, signal_rule VARCHAR, signal_sentence VARCHAR, is_improvement BOOLEAN, is_this_week BOOLEAN)`;
  const signal = (metric: string, line: string, week: string, isSignal: boolean, sentence: string | null) =>
    `INSERT INTO kpi_signals VALUES ('${metric}', '${metric}', '${line}', DATE '${week}', 1, ${isSignal}, 'beyond_limits', ${sentence === null ? 'NULL' : `'${sentence}'`}, true, ${week === '2026-11-16'})`;

  it('reads each metric for the week it is read for, signals only, and nothing without the mart', async () => {
    const query = await database(
      KPI_WEEKLY,
      KPI_SIGNALS,
      kpi('2026-11-16', 'all', 'referrals', 60),
      kpi('2026-11-02', 'all', 'referrals', 55),
      kpi('2026-11-16', 'all', 'seen_within_14_days', 3, 14),
      kpi('2026-11-02', 'all', 'seen_within_14_days', 20, 14),
      signal('referrals', 'all', '2026-11-16', true, 'Referrals: 60, above the upper limit of 58.'),
      // Not a signal: never shown, even with a sentence.
      signal('in_scope', 'all', '2026-11-16', false, 'In scope: 51.'),
      // A 14-day stage: this week's row is young; the week two before is the one read.
      signal('seen_within_14_days', 'all', '2026-11-16', true, 'Seen: 3, young.'),
      signal('seen_within_14_days', 'all', '2026-11-02', true, 'Seen within 14 days: 20, above the upper limit of 18.'),
    );
    const signals = await readSignals(query, '2026-11-16');
    expect(signals!.map((s) => [s.metric, s.week, s.sentence])).toEqual([
      ['referrals', '2026-11-16', 'Referrals: 60, above the upper limit of 58.'],
      ['seen_within_14_days', '2026-11-02', 'Seen within 14 days: 20, above the upper limit of 18.'],
    ]);
    // A digest two weeks later reads the 14-day stage for 16 November, and no referrals signal (none for 30 November).
    expect((await readSignals(query, '2026-11-30'))!.map((s) => [s.metric, s.week])).toEqual([['seen_within_14_days', '2026-11-16']]);
    close!();
    expect(await readSignals(await database(KPI_WEEKLY), '2026-11-16')).toBeNull();
  });

  it("gives a line's signal in the mart's own sentence, numbers included, whatever its count (as This week does)", async () => {
    const query = await database(
      KPI_WEEKLY,
      KPI_SIGNALS,
      kpi('2026-11-16', 'sleep', 'referrals', 10),
      signal('referrals', 'sleep', '2026-11-16', true, 'Referrals received, sleep: 10, above the upper limit of 4.'),
    );
    expect((await readSignals(query, '2026-11-16'))!.map((s) => s.sentence)).toEqual(['Referrals received, sleep: 10, above the upper limit of 4.']);
  });
});

describe('the funnel', () => {
  it("shows each line's count as kpi_weekly holds it, small ones included, each stage for the week it is read for", async () => {
    const query = await database(
      KPI_WEEKLY,
      kpi('2026-11-16', 'all', 'referrals', 45),
      kpi('2026-11-16', 'a', 'referrals', 20),
      kpi('2026-11-16', 'b', 'referrals', 14),
      kpi('2026-11-16', 'c', 'referrals', 10),
      kpi('2026-11-16', 'd', 'referrals', 1),
      kpi('2026-11-16', 'all', 'seen_within_14_days', 9, 14),
      kpi('2026-11-16', 'a', 'seen_within_14_days', 9, 14),
      kpi('2026-11-02', 'all', 'seen_within_14_days', 25, 14),
      kpi('2026-11-02', 'a', 'seen_within_14_days', 13, 14),
      kpi('2026-11-02', 'b', 'seen_within_14_days', 12, 14),
    );
    const { funnel, lines } = await readFunnel(query, '2026-11-16');
    expect(lines).toEqual(['a', 'b', 'c', 'd']);
    const row = (metric: string) => funnel.find((f) => f.metric === metric)!;
    expect(row('referrals')).toMatchObject({ week: '2026-11-16', total: 45, lines: { a: 20, b: 14, c: 10, d: 1 } });
    // Read for the week two before (14 days to be seen); lines without a row that week have none.
    expect(row('seen_within_14_days')).toMatchObject({ week: '2026-11-02', total: 25, lines: { a: 13, b: 12, c: null, d: null } });
  });
});
