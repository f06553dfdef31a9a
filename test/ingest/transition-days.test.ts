// The days around a zone's UTC offset changes, on which a wall-clock time may
// be ambiguous: the warehouse finds them with ICU when it opens, and a
// staging instance is given them (the same table, without 48,000 ICU calls).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, version } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { openWarehouse, sessionOf, sessionStatements } from '../../src/warehouse/warehouse.ts';
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

  it('are kept in the warehouse per zone and DuckDB version, read back by the next open, found again when the zone changes or the value is not dates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'refloop-transitions-'));
    const path = join(dir, 'warehouse.duckdb');
    const found = (await daysOf(sessionStatements({ timezone: 'America/New_York' }))).days;
    const open = async (timezone: string, edit?: string) => {
      const w = await openWarehouse({ path, timezone });
      try {
        const kept = await w.query<{ key: string; value: string }>("SELECT key, value FROM warehouse_meta WHERE key LIKE 'transition_days%'");
        const read = await w.query<{ t: string }>("SELECT CAST(refloop_parse_timestamp('2026-11-01 01:30') AS VARCHAR) AS t");
        if (edit) await w.run(`UPDATE warehouse_meta SET value = '${edit}' WHERE key LIKE 'transition_days%'`);
        return { kept, days: sessionOf(w)!.transitionDays, read: read[0]!.t };
      } finally {
        await w.close();
      }
    };
    try {
      const first = await open('America/New_York');
      expect(first.kept).toEqual([{ key: `transition_days America/New_York duckdb ${version()}`, value: found.join(',') }]);
      // The next open takes the kept days; a kept list that lost the fall-back day reads 01:30 as its second occurrence.
      const second = await open('America/New_York', '2026-03-08');
      expect(second.days).toEqual(found);
      expect(second.read).toBe('2026-11-01 01:30:00-04');
      const edited = await open('America/New_York', 'not,dates');
      expect(edited.days).toEqual(['2026-03-08']);
      expect(edited.read).toBe('2026-11-01 01:30:00-05');
      // Not dates: found again and kept again.
      expect((await open('America/New_York')).kept).toEqual(first.kept);
      const paris = await open('Europe/Paris');
      expect(paris.kept.map((k) => k.key)).toEqual([`transition_days Europe/Paris duckdb ${version()}`]);
      expect(paris.days).toEqual(expect.arrayContaining(['2026-10-24', '2026-10-25', '2026-10-26']));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
