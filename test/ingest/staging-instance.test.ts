// The staging instance's lanes (connections of one DuckDB that run beside
// each other, each with its own temp tables and the job's macros) and the
// process that holds them (no pseudonym key in its environment).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkStagingProcess } from '../../src/ingest/staging-fork.mjs';
import { STAGING_LANES, stagingFor, type StagingInstance } from '../../src/ingest/staging-instance.ts';
import { workDirFor } from '../../src/ingest/work-dir.ts';
import { KEY_ENV } from '../../src/privacy/pseudonym.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { TEST_KEY } from '../helpers/ingest.ts';

let dir: string;
let warehouse: Warehouse;
let staging: StagingInstance;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-staging-'));
  const path = join(dir, 'warehouse.duckdb');
  warehouse = await openWarehouse({ path, timezone: 'America/New_York', pseudonymKey: TEST_KEY });
  staging = stagingFor(warehouse, workDirFor(path));
});

afterAll(async () => {
  await staging?.close();
  await warehouse?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('staging lanes', () => {
  it('are two, lane 0 being the instance itself, and no others', () => {
    expect(STAGING_LANES).toBe(2);
    expect(staging.lane(0)).toBe(staging);
    expect(staging.lane(1)).not.toBe(staging);
    expect(() => staging.lane(STAGING_LANES)).toThrow(/lanes 0 to 1/);
  });

  it('each hold their own temp tables, so two batches staged at once do not meet', async () => {
    await Promise.all([
      staging.lane(0).run('CREATE OR REPLACE TEMP TABLE staged AS SELECT 0 AS lane FROM range(3)'),
      staging.lane(1).run('CREATE OR REPLACE TEMP TABLE staged AS SELECT 1 AS lane FROM range(5)'),
    ]);
    const [zero, one] = await Promise.all([0, 1].map((n) => staging.lane(n).query<{ lane: number; n: number }>('SELECT lane, count(*)::INTEGER AS n FROM staged GROUP BY lane')));
    expect(zero).toEqual([{ lane: 0, n: 3 }]);
    expect(one).toEqual([{ lane: 1, n: 5 }]);
  });

  it('each have the job’s macros: the zone’s fall-back hour and the keyed pseudonym read alike on both', async () => {
    const sql = "SELECT CAST(refloop_parse_timestamp('2026-11-01 01:30') AS VARCHAR) AS t, refloop_pseudonym('MRN-1') AS p";
    const [zero, one] = await Promise.all([0, 1].map((n) => staging.lane(n).query<{ t: string; p: string }>(sql)));
    // The first 01:30 of New York's fall-back day (EDT, UTC-4), shown in the practice's zone.
    expect(zero![0]!.t).toBe('2026-11-01 01:30:00-04');
    expect(zero![0]!.p).toMatch(/^[0-9a-f]{64}$/);
    expect(one).toEqual(zero);
  });

  it('run a lane’s requests in order, whatever the other lane does', async () => {
    const order: string[] = [];
    await Promise.all([
      staging.lane(1).run('CREATE OR REPLACE TEMP TABLE seq (step INTEGER)').then(() => order.push('create')),
      staging.lane(1).run('INSERT INTO seq VALUES (1)').then(() => order.push('insert')),
      staging.lane(0).query('SELECT count(*) FROM range(1000)').then(() => order.push('other lane')),
      staging.lane(1).query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM seq').then((rows) => order.push(`count ${rows[0]!.n}`)),
    ]);
    expect(order.filter((step) => step !== 'other lane')).toEqual(['create', 'insert', 'count 1']);
  });
});

/** A process's environment as it started is readable in /proc on Linux only. */
const PROC = existsSync('/proc/self/environ');

describe('the staging process', () => {
  it.skipIf(!PROC)('starts without the pseudonym key in its environment, which it is given in a message (skipped where no /proc shows a process’s environment)', async () => {
    const saved = process.env[KEY_ENV];
    process.env[KEY_ENV] = 'a-key-that-must-not-reach-the-staging-process-environment';
    const child = forkStagingProcess(join(import.meta.dirname, '../../src/ingest/staging-worker.mjs'));
    try {
      const environ = (await readFile(`/proc/${child.pid}/environ`, 'utf8')).split('\0');
      expect(environ.some((entry) => entry.startsWith(`${KEY_ENV}=`))).toBe(false);
      // The rest of the environment is passed on.
      expect(environ).toContain(`PATH=${process.env.PATH}`);
    } finally {
      if (saved === undefined) delete process.env[KEY_ENV];
      else process.env[KEY_ENV] = saved;
      child.kill();
    }
  });
});
