// The snapshots of many practices read as one: the marts that grow with
// history are hive folders by local month, every row says its practice, and
// every file carries the practice's id, time zone, refloop's version, as_of
// and run. Two practices publish into practices/<id>/published; one glob
// query over both reads what each warehouse holds, month by month.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONTHLY_SNAPSHOTS, NO_MONTH, publishSnapshotSet, readSnapshotSet, type Snapshot, systemSnapshots } from '../../src/models/snapshots.ts';
import { openSnapshots } from '../../src/site/loader.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';

const VERSION = (JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
const MARTS = ['fct_referrals', 'fct_referral_documents', 'kpi_weekly', 'service_lines'];
const snapshots: Snapshot[] = [...MARTS, ...systemSnapshots(MARTS)];

let root: string;
const practices: Record<string, { w: Warehouse; link: string; timezone: string }> = {};

/**
 * A practice's warehouse: referrals on either side of month ends (the 31st
 * and the 1st), a document per referral (two for one), weekly rows whose
 * Monday falls in the month before some of their days.
 */
async function practiceWarehouse(id: string, timezone: string, days: string[]): Promise<void> {
  const w = await openWarehouse({ path: ':memory:', timezone: 'UTC' });
  const referrals = days.map((d, i) => `('${id}-${i}', DATE '${d}')`).join(', ');
  await w.run(`
    CREATE TABLE fct_referrals AS SELECT * FROM (VALUES ${referrals}) v(referral_id, received_date);
    CREATE TABLE fct_referral_documents AS
      SELECT referral_id, 'order' AS document_type FROM fct_referrals
      UNION ALL SELECT referral_id, 'notes' FROM fct_referrals WHERE referral_id = '${id}-0';
    CREATE TABLE kpi_weekly AS SELECT DATE '2026-09-28' + 7 * range::INTEGER AS week, 'referrals' AS metric, range AS value FROM range(6);
    CREATE TABLE service_lines AS SELECT 'cardiology' AS service_line;
    CREATE TABLE config_params AS SELECT TIMESTAMPTZ '2026-11-30 05:00:00+00' AS as_of, '${timezone}' AS timezone, 7::BIGINT AS run_id;
  `);
  const link = join(root, 'practices', id, 'published');
  practices[id] = { w, link, timezone };
  await publishSnapshotSet(w, snapshots, link, { runId: 7, practiceId: id });
}

/** Rows of a query in a throwaway DuckDB (as an analyst's tool reads the snapshots, without the warehouse). */
async function read<T>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Each monthly mart's rows with their local month, from the warehouse (a week in its Monday's month, a document in its referral's). */
const WAREHOUSE_MONTHS: Record<string, string> = {
  fct_referrals: 'SELECT received_date AS d FROM fct_referrals',
  fct_referral_documents: 'SELECT r.received_date AS d FROM fct_referral_documents JOIN fct_referrals r USING (referral_id)',
  kpi_weekly: 'SELECT week AS d FROM kpi_weekly',
};
const monthCounts = async (w: Warehouse, table: string) =>
  Object.fromEntries(
    (await w.query<{ month: string; n: number }>(`SELECT strftime(d, '%Y-%m') AS month, count(*)::INTEGER AS n FROM (${WAREHOUSE_MONTHS[table]}) GROUP BY 1`)).map((r) => [r.month, r.n]),
  );

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-snapshots-partitioned-'));
  await practiceWarehouse('north', 'America/New_York', ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-30']);
  await practiceWarehouse('south', 'America/Chicago', ['2026-09-30', '2026-10-01', '2026-10-31', '2026-12-01']);
});
afterAll(async () => {
  for (const { w } of Object.values(practices)) await w.close();
  await rm(root, { recursive: true, force: true });
});

describe('monthly snapshots', () => {
  it('write the marts that grow with history as hive folders by month, the small ones as one file', async () => {
    const set = await readSnapshotSet(practices.north!.link);
    expect(await readdir(join(set.dir, 'fct_referrals'))).toEqual(['month=2026-10', 'month=2026-11']);
    // A week belongs to the month of its Monday: 2026-09-28 is in September though most of its days are October's.
    expect((await readdir(join(set.dir, 'kpi_weekly'))).sort()).toEqual(['month=2026-09', 'month=2026-10', 'month=2026-11']);
    expect(existsSync(join(set.dir, 'service_lines.parquet'))).toBe(true);
    expect(existsSync(join(set.dir, 'config_params.parquet'))).toBe(true);
    const referrals = set.manifest.files.find((f) => f.name === 'fct_referrals');
    expect(referrals).toEqual({
      name: 'fct_referrals',
      rows: 5,
      partitioned_by: 'month',
      parts: [
        { name: 'month=2026-10/data_0.parquet', rows: 2 },
        { name: 'month=2026-11/data_0.parquet', rows: 3 },
      ],
    });
  });

  it('hold, month by month, what each warehouse holds; a document is in the month its referral was received', async () => {
    for (const [id, { w, link }] of Object.entries(practices)) {
      const dir = await realpath(link);
      expect(Object.keys(MONTHLY_SNAPSHOTS).filter((t) => MARTS.includes(t))).toEqual(Object.keys(WAREHOUSE_MONTHS));
      for (const table of Object.keys(WAREHOUSE_MONTHS)) {
        const published = await read<{ month: string; n: number }>(
          `SELECT month, count(*)::INTEGER AS n FROM read_parquet('${dir}/${table}/**/*.parquet', hive_partitioning = true) GROUP BY 1`,
        );
        expect(Object.fromEntries(published.map((r) => [r.month, r.n])), `${id} ${table}`).toEqual(await monthCounts(w, table));
      }
    }
    const [notes] = await read<{ month: string }>(
      `SELECT month FROM read_parquet('${root}/practices/north/published/fct_referral_documents/**/*.parquet', hive_partitioning = true) WHERE document_type = 'notes'`,
    );
    expect(notes!.month).toBe('2026-10');
  });

  it('read together by one glob query over the practices, told apart by their practice column', async () => {
    const rows = await read<{ practice: string; month: string; n: number }>(
      `SELECT practice, month, count(*)::INTEGER AS n
       FROM read_parquet('${root}/practices/*/published/fct_referrals/**/*.parquet', hive_partitioning = true, union_by_name = true)
       GROUP BY ALL ORDER BY ALL`,
    );
    const expected = [];
    for (const [id, { w }] of Object.entries(practices)) {
      for (const [month, n] of Object.entries(await monthCounts(w, 'fct_referrals'))) expected.push({ practice: id, month, n });
    }
    expect(rows).toEqual(expected.sort((a, b) => a.practice.localeCompare(b.practice) || a.month.localeCompare(b.month)));
    // A filter on the month reads only that month's folders.
    const [october] = await read<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${root}/practices/*/published/fct_referrals/**/*.parquet', hive_partitioning = true) WHERE month = '2026-10'`,
    );
    expect(october!.n).toBe(2 + 2);
  });

  it('say in every row whose it is, and in every file the practice, its time zone, the version, as_of and the run', async () => {
    for (const [id, { link, timezone }] of Object.entries(practices)) {
      const dir = await realpath(link);
      const files = (await read<{ file: string }>(`SELECT file FROM glob('${dir}/**/*.parquet')`)).map((r) => r.file);
      expect(files.length).toBeGreaterThan(MARTS.length);
      const kv = await read<{ file_name: string; key: string; value: string }>(
        `SELECT file_name, decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${dir}/**/*.parquet')`,
      );
      for (const file of files) {
        const meta = Object.fromEntries(kv.filter((r) => r.file_name === file).map((r) => [r.key, r.value]));
        expect(meta, file).toMatchObject({ practice: id, timezone, refloop_version: VERSION, as_of: '2026-11-30 05:00:00+00', run_id: '7' });
        const [other] = await read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file}') WHERE practice IS DISTINCT FROM '${id}'`);
        expect(other!.n, file).toBe(0);
      }
      expect((await readSnapshotSet(link)).manifest).toMatchObject({ format: 2, practice_id: id, timezone, refloop_version: VERSION });
    }
  });

  it('read by the site as the warehouse mart: the same columns (no practice column, no month) and rows', async () => {
    const { w, link } = practices.south!;
    const site = await openSnapshots(link);
    try {
      for (const table of MARTS) {
        const columns = async (rows: Promise<Record<string, unknown>[]>) => Object.keys((await rows)[0] ?? {});
        expect(await columns(site.query(`SELECT * FROM ${table} LIMIT 1`)), table).toEqual(await columns(w.query(`SELECT * FROM ${table} LIMIT 1`)));
        expect(await site.query(`SELECT count(*)::INTEGER AS n FROM ${table}`)).toEqual(await w.query(`SELECT count(*)::INTEGER AS n FROM ${table}`));
      }
    } finally {
      site.close();
    }
  });

  it('write an empty monthly mart as one empty file in the no-month folder, so a glob still finds its columns', async () => {
    const w = await openWarehouse({ path: ':memory:', timezone: 'UTC' });
    try {
      await w.run("CREATE TABLE fct_referrals AS SELECT 'r' AS referral_id, DATE '2026-11-01' AS received_date WHERE false");
      const link = join(root, 'empty', 'published');
      const set = await publishSnapshotSet(w, ['fct_referrals'], link, { runId: 1, practiceId: 'empty' });
      expect(set.manifest.files).toEqual([{ name: 'fct_referrals', rows: 0, partitioned_by: 'month', parts: [{ name: `month=${NO_MONTH}/data_0.parquet`, rows: 0 }] }]);
      const columns = await read<{ column_name: string }>(
        `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('${link}/fct_referrals/**/*.parquet', hive_partitioning = true))`,
      );
      expect(columns.map((c) => c.column_name)).toEqual(['practice', 'referral_id', 'received_date', 'month']);
    } finally {
      await w.close();
    }
  });
});

describe('a monthly snapshot in a set', () => {
  it('is refused with a month file missing or an extra file among its months', async () => {
    const { w } = practices.north!;
    const cases: [string, (dir: string) => Promise<unknown>, RegExp][] = [
      ['a month missing', (d) => rm(join(d, 'fct_referrals', 'month=2026-11'), { recursive: true }), /\(fct_referrals\/month=2026-11\/data_0\.parquet is missing\)/],
      ['an extra file', (d) => writeFile(join(d, 'fct_referrals', 'month=2026-11', 'data_1.parquet'), 'x'), /\(fct_referrals\/month=2026-11\/data_1\.parquet is not in its manifest\.json\)/],
    ];
    for (const [i, [what, spoil, expected]] of cases.entries()) {
      const link = join(root, `spoiled-${i}`, 'published');
      const set = await publishSnapshotSet(w, ['fct_referrals'], link, { runId: 1, practiceId: 'north' });
      await spoil(set.dir);
      await expect(readSnapshotSet(link), what).rejects.toThrow(expected);
    }
  });

  it('that fails halfway through its months leaves the previous set whole', async () => {
    const { w, link } = practices.north!;
    const before = await readSnapshotSet(link);
    const hashes = JSON.stringify(await read(`SELECT filename, md5(content) AS h FROM read_blob('${before.dir}/**') ORDER BY filename`));
    const failing: Snapshot[] = ['fct_referrals', { name: 'boom', sql: 'SELECT * FROM fct_referrals', month: "CASE WHEN s.received_date > DATE '2026-11-01' THEN error('injected failure in a month') ELSE s.received_date END" }];
    await expect(publishSnapshotSet(w, failing, link, { runId: 8, practiceId: 'north' })).rejects.toThrow('injected failure in a month');
    const after = await readSnapshotSet(link);
    expect(after.dir).toBe(before.dir);
    expect(after.manifest).toEqual(before.manifest);
    expect(JSON.stringify(await read(`SELECT filename, md5(content) AS h FROM read_blob('${after.dir}/**') ORDER BY filename`))).toBe(hashes);
    expect((await readdir(join(root, 'practices', 'north'))).filter((e) => e !== 'published')).toEqual([before.dir.split('/').pop()]);
  });
});
