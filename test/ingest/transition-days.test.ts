// The days around a zone's UTC offset changes, on which a wall-clock time may
// be ambiguous: the warehouse finds them with ICU when it opens, and a
// staging instance is given them (the same table, without 48,000 ICU calls).
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { sessionStatements } from '../../src/warehouse/warehouse.ts';
import { transitionDaysQuery } from '../../src/contracts/value-sql.ts';

async function daysOf(statements: string[]): Promise<{ days: string[]; instants: string[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const statement of statements) await connection.run(statement);
    const days = (await connection.runAndReadAll(transitionDaysQuery)).getRowObjectsJson().map((r) => String(r.day));
    // Around New York's fall-back hour of 2026-11-01 and a day without a change.
    const read = await connection.runAndReadAll(
      `SELECT CAST(refloop_parse_timestamp(v) AS VARCHAR) AS t FROM (VALUES ('2026-11-01 01:30'), ('2026-11-01 00:59'), ('2026-11-03 01:30')) AS v(v)`,
    );
    return { days, instants: read.getRowObjectsJson().map((r) => String(r.t)) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('transition days', () => {
  for (const timezone of ['America/New_York', 'Australia/Lord_Howe', 'UTC']) {
    it(`given to another instance, are the days it would find itself, and read times alike (${timezone})`, async () => {
      const found = await daysOf(sessionStatements({ timezone }));
      const given = await daysOf(sessionStatements({ timezone, transitionDays: found.days }));
      expect(given).toEqual(found);
      if (timezone === 'UTC') expect(found.days).toEqual([]);
      else expect(found.days.length).toBeGreaterThan(3 * 2 * 100);
      if (timezone === 'America/New_York') expect(found.days).toEqual(expect.arrayContaining(['2026-10-31', '2026-11-01', '2026-11-02', '2026-03-07', '2026-03-08', '2026-03-09']));
    });
  }

  it('given none, the instance has none: the fall-back hour is then read as its second occurrence', async () => {
    const found = await daysOf(sessionStatements({ timezone: 'America/New_York' }));
    const none = await daysOf(sessionStatements({ timezone: 'America/New_York', transitionDays: [] }));
    expect(none.days).toEqual([]);
    // The first 01:30 of the fall-back day is 05:30 UTC; without its day listed ICU takes the second (06:30 UTC).
    expect(found.instants[0]).not.toEqual(none.instants[0]);
    expect(found.instants.slice(1)).toEqual(none.instants.slice(1));
  });
});
