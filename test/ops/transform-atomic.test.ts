// A failed transform changes nothing: the models, the config tables, the
// forecast, the checks and their model_runs / check_results rows commit
// together or not at all, and the published snapshot set stays the one
// before. Checked by failing a transform late (a forecast step that cannot
// write its table; a check that errors, the last step) and comparing every table's and
// view's contents, row counts and comments before and after.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_DIR, transform } from '../../pipelines/transform.ts';
import { loadConfig } from '../../src/config/load.ts';
import { readSnapshotSet } from '../../src/models/snapshots.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';

const KEY = 'test-key-of-at-least-thirty-two-bytes!!';
let dir: string;
const dbPath = () => join(dir, 'data', 'warehouse.duckdb');

interface Fingerprint {
  tables: Record<string, { rows: number; content: string | null; comment: string | null }>;
  views: Record<string, string>;
  columnComments: string | null;
  macros: string | null;
}

/** Every table and view of the warehouse (runs aside: a run records its own failure), with row counts, contents and comments. */
async function fingerprint(w: Warehouse): Promise<Fingerprint> {
  const tables = await w.query<{ name: string; comment: string | null }>(
    "SELECT table_name AS name, comment FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary AND table_name <> 'runs' ORDER BY 1",
  );
  const result: Fingerprint = { tables: {}, views: {}, columnComments: null, macros: null };
  for (const { name, comment } of tables) {
    // The sum of the rows' hashes: independent of row order, and light enough for a table a bad as_of blows up.
    const [row] = await w.query<{ rows: number; content: string | null }>(
      `SELECT count(*)::INTEGER AS rows, CAST(sum(hash(t::VARCHAR)::HUGEINT) AS VARCHAR) AS content FROM "${name}" t`,
    );
    result.tables[name] = { rows: row!.rows, content: row!.content, comment };
  }
  for (const v of await w.query<{ name: string; sql: string }>("SELECT view_name AS name, sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal ORDER BY 1")) {
    result.views[v.name] = v.sql;
  }
  const [columns] = await w.query<{ c: string | null }>(
    "SELECT md5(string_agg(table_name || '.' || column_name || '=' || coalesce(comment, ''), '|' ORDER BY table_name, column_index)) AS c FROM duckdb_columns() WHERE database_name = current_database()",
  );
  result.columnComments = columns!.c;
  const [macros] = await w.query<{ m: string | null }>(
    "SELECT string_agg(function_name || ':' || coalesce(macro_definition, ''), '|' ORDER BY function_name) AS m FROM duckdb_functions() WHERE database_name = current_database() AND function_type = 'macro' AND NOT internal",
  );
  result.macros = macros!.m;
  return result;
}

async function readOnlyFingerprint(): Promise<Fingerprint> {
  const w = await openWarehouse({ path: dbPath(), timezone: 'America/New_York', readOnly: true });
  try {
    return await fingerprint(w);
  } finally {
    await w.close();
  }
}

async function publishedState(): Promise<unknown> {
  const set = await readSnapshotSet(join(dir, 'data', 'published'));
  const bytes: Record<string, string> = {};
  const files = (await readdir(set.dir, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
  for (const name of files.map((e) => relative(set.dir, join(e.parentPath, e.name))).sort()) bytes[name] = (await readFile(join(set.dir, name))).toString('base64');
  return { dir: set.dir, manifest: set.manifest, bytes };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-transform-atomic-'));
  const demo = refloop(['demo', '--referrals', '300', '--start', '2026-01-05', '--end', '2026-06-28'], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
  expect(demo.code, demo.stderr).toBe(0);
  const run = refloop(['run', '--as-of', '2026-07-06'], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
  expect(run.code, run.stderr).toBe(0);
}, 240_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a transform that fails', () => {
  it('in its forecast step (after every model was built) leaves every table, view and comment as it was, and the published set', async () => {
    // The fault: capacity_forecast is a view, which the forecast step cannot replace with its table.
    // It runs after every SQL model, so everything the models built must roll back with it.
    const setup = await openWarehouse({ path: dbPath(), timezone: 'America/New_York' });
    await setup.run('DROP TABLE capacity_forecast; CREATE VIEW capacity_forecast AS SELECT 1 AS planted_fault');
    await setup.close();
    try {
      const before = await readOnlyFingerprint();
      const published = await publishedState();
      expect(Object.keys(before.tables)).toEqual(expect.arrayContaining(['fct_referrals', 'kpi_weekly', 'config_params', 'model_runs', 'check_results']));
      const result = refloop(['transform', '--as-of', '2026-07-20'], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: KEY, REFLOOP_LOG: 'json' } });
      expect(result.code).toBe(1);
      // It failed in the forecast step (the only one that writes capacity_forecast), after every model.
      expect(result.stderr).toMatch(/refloop transform failed: .*capacity_forecast.*\n$/);
      expect(await readOnlyFingerprint()).toEqual(before);
      expect(await publishedState()).toEqual(published);
      const w = await openWarehouse({ path: dbPath(), timezone: 'America/New_York', readOnly: true });
      const [last] = await w.query<{ job: string; status: string }>('SELECT job, status FROM runs ORDER BY run_id DESC LIMIT 1');
      await w.close();
      expect(last).toEqual({ job: 'transform', status: 'failed' });
    } finally {
      // Take the fault away again for the next test.
      const restore = await openWarehouse({ path: dbPath(), timezone: 'America/New_York' });
      await restore.run('DROP VIEW capacity_forecast');
      await restore.close();
    }
  }, 240_000);

  it('in its last step (a check that errors) leaves every table, view and comment as it was; the same transform without the failure changes them', async () => {
    const sqlDir = join(dir, 'sql');
    await cp(SQL_DIR, sqlDir, { recursive: true });
    await mkdir(join(sqlDir, 'checks'), { recursive: true });
    await writeFile(
      join(sqlDir, 'checks', 'zz_injected_failure.sql'),
      "-- Checks: fct_referrals\n-- Severity: warn\n-- When it fires: never; it fails instead.\nselect * from fct_referrals where error('injected failure in the last step') is null\n",
    );
    const config = await loadConfig(join(dir, 'refloop.config.json'));
    const w = await openWarehouse({ path: dbPath(), timezone: config.timezone });
    try {
        const before = await fingerprint(w);
        await expect(transform(w, config, { asOf: '2026-07-20', runId: 1000, sqlDir })).rejects.toThrow('injected failure in the last step');
        expect(await fingerprint(w)).toEqual(before);

        await rm(join(sqlDir, 'checks', 'zz_injected_failure.sql'));
        await transform(w, config, { asOf: '2026-07-20', runId: 1001, sqlDir });
        const after = await fingerprint(w);
        for (const changed of ['config_params', 'fct_referrals', 'kpi_weekly', 'capacity_forecast', 'model_runs', 'check_results']) {
          expect(after.tables[changed], `${changed} is rebuilt by a transform that succeeds`).not.toEqual(before.tables[changed]);
        }
    } finally {
      await w.close();
    }
  }, 240_000);
});
