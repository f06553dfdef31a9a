// The model runner: order from the SQL, loud failures, checks recorded.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transform } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { modelsUpstreamOf } from '../../src/models/graph.ts';
import { readModels } from '../../src/models/model-file.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { MODEL_CONFIG } from '../helpers/models.ts';

let dir: string;
let w: Warehouse;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-models-'));
  for (const layer of ['staging', 'intermediate', 'marts', 'checks']) await mkdir(join(dir, 'sql', layer), { recursive: true });
  w = await openWarehouse({ path: ':memory:', timezone: 'UTC' });
});
afterEach(async () => {
  await w.close();
  await rm(dir, { recursive: true, force: true });
});

const model = (layer: string, name: string, text: string) => writeFile(join(dir, 'sql', layer, `${name}.sql`), text);
const run = () => transform(w, parseConfig(MODEL_CONFIG), { asOf: '2026-01-01', runId: 1, snapshotDir: join(dir, 'published'), sqlDir: join(dir, 'sql') });

describe('model runner', () => {
  it('builds in dependency order read from the SQL, whatever the file order', async () => {
    await model('marts', 'a_total', '-- Grain: one row.\n-- @column n: how many\nselect count(*) as n from b_rows');
    await model('marts', 'b_rows', '-- Grain: one row per referral.\n-- @column referral_id: the id\nselect referral_id from stg_refs');
    await model('staging', 'stg_refs', '-- Grain: one row per referral.\nselect referral_id from referrals');
    const result = await run();
    expect(result.models.map((m) => m.model)).toEqual(['stg_refs', 'b_rows', 'a_total']);
    expect(result.snapshots.map((s) => s.split('/').pop())).toEqual(['a_total.parquet', 'b_rows.parquet']);
  });

  it('selects a model with every model it reads, through others too, and no model that reads it', async () => {
    await model('staging', 'stg_refs', '-- Grain: one row per referral.\nselect referral_id from referrals');
    await model('staging', 'stg_visits', '-- Grain: one row per visit.\nselect visit_id from visits');
    await model('intermediate', 'int_both', '-- Grain: one row per referral.\nselect r.referral_id from stg_refs r, stg_visits v');
    await model('marts', 'a_rows', '-- Grain: one row per referral.\n-- @column referral_id: the id\nselect referral_id from int_both');
    await model('marts', 'b_total', '-- Grain: one row.\n-- @column n: how many\nselect count(*) as n from a_rows');
    await model('marts', 'c_visits', '-- Grain: one row per visit.\n-- @column visit_id: the id\nselect visit_id from stg_visits');
    const models = await readModels(join(dir, 'sql'));
    const names = (targets: string[]) => modelsUpstreamOf(models, targets, w.connection).map((m) => m.name).sort();
    // stg_visits is read only after a comma, which DuckDB's parser names and FROM/JOIN do not.
    expect(names(['a_rows'])).toEqual(['a_rows', 'int_both', 'stg_refs', 'stg_visits']);
    expect(names(['c_visits', 'stg_refs'])).toEqual(['c_visits', 'stg_refs', 'stg_visits']);
    expect(names(['b_total'])).toEqual(['a_rows', 'b_total', 'int_both', 'stg_refs', 'stg_visits']);
    expect(() => names(['no_such_model'])).toThrow('there is no model no_such_model');
  });

  it('reads its dependencies from the query, not from the words of its comments', async () => {
    await model('staging', 'stg_refs', '-- Grain: one row per referral.\nselect referral_id from referrals');
    // "join below" and "from here" in a comment name no table; a `--` inside a quoted string is not a comment.
    await model('marts', 'b_rows', "-- Grain: one row per referral.\n-- @column referral_id: the id\n-- @column tag: a tag\nselect referral_id, '--x' as tag\n  -- the join below, from here on\nfrom stg_refs");
    const result = await run();
    expect(result.models.map((m) => m.model)).toEqual(['stg_refs', 'b_rows']);
    await model('marts', 'c_rows', "-- Grain: one row.\n-- @column tag: a tag\nselect '-- from x' as tag from no_such_table");
    await expect(run()).rejects.toThrow('model c_rows reads no_such_table, which is neither a model nor a warehouse table');
  });

  it('fails naming the model that reads an unknown table, and leaves the marts as they were', async () => {
    await model('marts', 'good', '-- Grain: one row.\n-- @column n: how many\nselect 1 as n');
    await run();
    await model('marts', 'broken', '-- Grain: one row.\n-- @column n: how many\nselect count(*) as n from no_such_table');
    await expect(run()).rejects.toThrow('model broken reads no_such_table, which is neither a model nor a warehouse table');
    expect(await w.query("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'broken'")).toEqual([{ n: 0 }]);
  });

  it('builds an intermediate model marked @view as a temporary view, twice in one session, and refuses @view on a mart', async () => {
    await model('staging', 'stg_refs', '-- Grain: one row per referral.\nselect referral_id from referrals');
    await model('intermediate', 'int_refs', '-- Grain: one row per referral.\n-- @view\nselect referral_id from stg_refs');
    await model('marts', 'refs', '-- Grain: one row.\n-- @column n: how many\nselect count(*) as n from int_refs');
    await run();
    await run();
    expect(await w.query("SELECT database_name, temporary FROM duckdb_views() WHERE view_name = 'int_refs'")).toEqual([{ database_name: 'temp', temporary: true }]);
    expect(await w.query("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'int_refs'")).toEqual([{ n: 0 }]);
    await model('marts', 'refs', '-- Grain: one row.\n-- @column n: how many\n-- @view\nselect count(*) as n from int_refs');
    await expect(run()).rejects.toThrow('model refs: @view is for intermediate models');
  });

  it('fails on a mart column without a meaning', async () => {
    await model('marts', 'vague', '-- Grain: one row.\n-- @column n: how many\nselect 1 as n, 2 as m');
    await expect(run()).rejects.toThrow('mart vague has columns without a one-line meaning (add "-- @column name: meaning"): m');
  });

  it('records check results with their severity and what to do', async () => {
    await model('marts', 'dupes', '-- Grain: one row per x.\n-- @column x: the x\n-- @unique x\n-- @accepted_values x: 1 (warn)\nselect unnest([1, 1, 2]) as x');
    await writeFile(join(dir, 'sql', 'checks', 'never_two.sql'), '-- Checks: dupes\n-- Severity: error\n-- When it fires: remove the twos.\nselect * from dupes where x = 2');
    const result = await run();
    expect(result.checks.map((c) => [c.name, c.severity, c.failingRows])).toEqual([
      ['dupes.unique(x)', 'error', 1],
      ['dupes.accepted_values(x)', 'warn', 1],
      ['never_two', 'error', 1],
    ]);
    expect(await w.query('SELECT check_name, passed, what_to_do FROM check_results ORDER BY check_name')).toEqual([
      { check_name: 'dupes.accepted_values(x)', passed: false, what_to_do: 'dupes.x holds a value outside 1: a new code reached the model; map it or extend the definition.' },
      { check_name: 'dupes.unique(x)', passed: false, what_to_do: 'More than one row per x: a join in dupes fans out; fix the model before publishing.' },
      { check_name: 'never_two', passed: false, what_to_do: 'remove the twos.' },
    ]);
  });
});
