// Content already loaded that arrives again under a new name (an unchanged
// capacity plan or directory re-sent as this month's file) loads nothing, but
// it did arrive: it is recorded once in `redeliveries`, and `refloop status`
// and the data-health page judge the feed by that arrival, so a source that
// delivers on time is not called stale. The same bytes under the same name
// again is a re-run and changes nothing.
import { spawnSync } from 'node:child_process';
import { cp, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transform } from '../../pipelines/transform.ts';
import { publishSnapshotSet, systemSnapshots } from '../../src/models/snapshots.ts';
import { startRun } from '../../src/warehouse/runs.ts';
import { emptyTableSql, SCHEMA_VERSION } from '../../src/warehouse/schema.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';
import { BASE_CONFIG, csv, type Practice, practice, TEST_KEY } from '../helpers/ingest.ts';
import { EPIC_FIXTURE_CONFIG, writeEpicDelivery } from '../sources/fixtures/epic-delivery.ts';

const ROOT = join(import.meta.dirname, '../..');
const CAPACITY_HEADER = 'service_line,week_start,new_patient_slots';
const CAPACITY = csv(CAPACITY_HEADER, 'cardiology,2026-11-02,12', 'cardiology,2026-11-09,14', 'imaging,2026-11-02,30');

let p: Practice;
beforeEach(async () => (p = await practice()));
afterEach(() => p.cleanup());

async function write(sql: string): Promise<void> {
  const warehouse = await openWarehouse({ path: p.dbPath, timezone: p.config.timezone, pseudonymKey: TEST_KEY });
  try {
    await warehouse.run(sql);
  } finally {
    await warehouse.close();
  }
}

const redeliveries = () =>
  p.query<{ file: string; kind: string; same_as: string; kinds: string[]; source: string; run_id: number; arrived_at: string }>(
    'SELECT file, kind, same_as, kinds, source, run_id::INTEGER AS run_id, arrived_at::VARCHAR AS arrived_at FROM redeliveries ORDER BY file',
  );

describe('recording a re-delivery', () => {
  it('records content already loaded that arrives under a new name, once, and loads nothing of it', async () => {
    await p.write('capacity_2026-10.csv', CAPACITY);
    await p.ingest();
    const landed = await p.query('SELECT * FROM capacity ORDER BY service_line, week_start');
    await p.write('capacity_2026-11.csv', CAPACITY);
    expect(await p.ingest()).toMatchObject({ filesLoaded: 0, filesAlreadyLoaded: 2, rowsRead: 0 });
    const first = await redeliveries();
    expect(first).toEqual([
      { file: 'capacity_2026-11.csv', kind: 'capacity', same_as: 'capacity_2026-10.csv', kinds: ['capacity'], source: 'inbox', run_id: 2, arrived_at: expect.any(String) },
    ]);
    expect(await p.query('SELECT file FROM ingested_files')).toEqual([{ file: 'capacity_2026-10.csv' }]);
    expect(await p.query('SELECT * FROM capacity ORDER BY service_line, week_start')).toEqual(landed);

    // The next run sees the renamed file again: it is the same arrival, not a new one.
    await p.ingest();
    expect(await redeliveries()).toEqual(first);
    // A third name is a third arrival.
    await p.write('capacity_2026-12.csv.gz', CAPACITY);
    await p.ingest();
    expect((await redeliveries()).map((r) => [r.file, r.same_as, r.run_id])).toEqual([
      ['capacity_2026-11.csv', 'capacity_2026-10.csv', 2],
      ['capacity_2026-12.csv.gz', 'capacity_2026-10.csv', 4],
    ]);
  });

  it('records nothing for the same bytes under the same name again, unchanged or touched', async () => {
    await p.write('capacity_2026-10.csv', CAPACITY);
    await p.ingest();
    await p.ingest();
    // Touched: its modification time changed, so it is hashed, and found to be itself.
    const touched = new Date(Date.now() - 60_000);
    await utimes(join(p.inbox, 'capacity_2026-10.csv'), touched, touched);
    expect(await p.ingest()).toMatchObject({ filesLoaded: 0, filesAlreadyLoaded: 1 });
    expect(await redeliveries()).toEqual([]);
    expect(await p.query('SELECT file FROM ingested_files')).toEqual([{ file: 'capacity_2026-10.csv' }]);
  });

  it('records the second of two names with the same content in one run as a re-delivery of the first', async () => {
    await p.write('capacity_a.csv', CAPACITY);
    await p.write('capacity_b.csv', CAPACITY);
    expect(await p.ingest()).toMatchObject({ filesLoaded: 1, filesAlreadyLoaded: 1 });
    expect((await redeliveries()).map((r) => [r.file, r.same_as])).toEqual([['capacity_b.csv', 'capacity_a.csv']]);
  });

  it('records a changed file as a load, not a re-delivery', async () => {
    await p.write('capacity_2026-10.csv', CAPACITY);
    await p.ingest();
    await p.write('capacity_2026-11.csv', CAPACITY.replace('cardiology,2026-11-09,14', 'cardiology,2026-11-09,15'));
    expect(await p.ingest()).toMatchObject({ filesLoaded: 1 });
    expect(await redeliveries()).toEqual([]);
  });
});

describe('recording a re-delivered delivery', () => {
  it('records a delivery folder re-sent unchanged under a new name once, with the kinds the one it repeats landed', async () => {
    await p.cleanup();
    p = await practice(EPIC_FIXTURE_CONFIG);
    await writeEpicDelivery(join(p.inbox, 'epic', '2026-11-30'));
    expect(await p.ingest()).toMatchObject({ deliveriesLoaded: 1, refused: [] });
    // Every landing row came from that one delivery: the kinds it landed are the tables that hold rows.
    const landed: string[] = [];
    for (const kind of ['appointments', 'capacity', 'liaison_activities', 'providers', 'referral_events', 'referrals', 'visits']) {
      const [row] = await p.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${kind}`);
      if (row!.n > 0) landed.push(kind);
    }
    expect(landed).toEqual(expect.arrayContaining(['referrals', 'referral_events', 'appointments']));

    await cp(join(p.inbox, 'epic', '2026-11-30'), join(p.inbox, 'epic', '2026-12-07'), { recursive: true });
    expect(await p.ingest()).toMatchObject({ deliveriesLoaded: 0, filesAlreadyLoaded: 2 });
    const expected = [{ file: 'epic/2026-12-07', kind: 'epic-ehi', same_as: 'epic/2026-11-30', kinds: landed, source: 'epic', run_id: 2, arrived_at: expect.any(String) }];
    expect(await redeliveries()).toEqual(expected);
    expect(await p.query('SELECT count(*)::INTEGER AS n FROM deliveries')).toEqual([{ n: 1 }]);
    // The next run: the loaded folder is itself, and the copy the same arrival as before.
    await p.ingest();
    expect(await redeliveries()).toEqual(expected);
  }, 120_000);
});

describe('the schema', () => {
  it('adds the redeliveries table to a warehouse of the previous schema version when a writer opens it', async () => {
    await p.ingest();
    await write(`DROP TABLE redeliveries; UPDATE warehouse_meta SET value = '4' WHERE key = 'schema_version'`);
    expect(await p.query("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'redeliveries'")).toEqual([{ n: 0 }]);
    await p.ingest();
    expect(await p.query("SELECT value FROM warehouse_meta WHERE key = 'schema_version'")).toEqual([{ value: SCHEMA_VERSION }]);
    expect(await p.query("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'redeliveries'")).toEqual([{ n: 1 }]);
  });

  it('lets refloop status answer on a warehouse of the previous version that no writer has opened since', async () => {
    await p.write('capacity_2026-10.csv', CAPACITY);
    await p.ingest();
    await write(`DROP TABLE redeliveries; UPDATE warehouse_meta SET value = '4' WHERE key = 'schema_version'`);
    const configPath = join(p.dir, 'refloop.config.json');
    await writeFile(configPath, JSON.stringify(BASE_CONFIG));
    const status = refloop(['status', '--config', configPath, '--db', p.dbPath], { cwd: p.dir });
    expect(status.stderr).toBe('');
    expect(statusFreshness(status.stdout).capacity).toEqual({ latest_file: 'capacity_2026-10.csv', state: 'ok' });
    expect(status.stdout).toMatch(/\ninbox\s+capacity\s+1\s+0\s/);
  });

  it('gives readers of an older warehouse an empty stand-in with the same columns', async () => {
    await p.ingest();
    const columns = await p.query<{ column_name: string }>("SELECT column_name FROM duckdb_columns() WHERE table_name = 'redeliveries' ORDER BY column_index");
    const standIn = await p.query(`SELECT * FROM ${emptyTableSql('redeliveries')}`);
    expect(standIn).toEqual([]);
    const described = await p.query<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${emptyTableSql('redeliveries')})`);
    expect(described.map((c) => c.column_name)).toEqual(columns.map((c) => c.column_name));
  });
});

/** The Freshness per feed rows of `refloop status`, by feed. */
function statusFreshness(stdout: string): Record<string, { latest_file: string; state: string }> {
  const section = stdout.split('\nFreshness per feed\n')[1]!.split('\n(')[0]!;
  const [header, , ...lines] = section.split('\n');
  const columns = header!.split(/\s{2,}/);
  const rows: Record<string, { latest_file: string; state: string }> = {};
  for (const line of lines) {
    // A cell is at its header's offset (columns are padded to the widest value).
    const cell = (name: string) => {
      const i = columns.indexOf(name);
      const start = header!.indexOf(name);
      const end = i + 1 < columns.length ? header!.indexOf(columns[i + 1]!) : undefined;
      return line.slice(start, end).trim();
    };
    rows[cell('feed')] = { latest_file: cell('latest_file'), state: cell('state') };
  }
  return rows;
}

describe('freshness judged by the latest arrival', () => {
  it('refloop status calls a capacity feed re-sent unchanged today fresh, where it called it stale before the re-delivery', async () => {
    const configPath = join(p.dir, 'refloop.config.json');
    await writeFile(configPath, JSON.stringify(BASE_CONFIG));
    const status = () => refloop(['status', '--config', configPath, '--db', p.dbPath], { cwd: p.dir });

    await p.write('capacity_2026-09.csv', CAPACITY);
    await p.ingest();
    // Loaded 80 days ago: past capacity's error threshold of 70 days (1,680 h).
    await write(`UPDATE ingested_files SET ingested_at = now() - INTERVAL 80 DAY`);
    const before = status();
    expect(statusFreshness(before.stdout).capacity).toEqual({ latest_file: 'capacity_2026-09.csv', state: 'error' });
    expect(before.stdout).toMatch(/capacity is stale: no file has arrived since [\d-]+ [\d:]+, 19[12]\d hours before [\d-]+ [\d:]+ \(late after 840 hours, stale after 1680\)/);

    await p.write('capacity_2026-11.csv', CAPACITY);
    await p.ingest();
    const after = status();
    expect(statusFreshness(after.stdout).capacity).toEqual({ latest_file: 'capacity_2026-11.csv (same content as capacity_2026-09.csv)', state: 'ok' });
    expect(after.stdout).not.toContain('capacity is stale');
    // The accounting counts the one file loaded, and shows the re-delivery beside it.
    expect(after.stdout).toMatch(/\ninbox\s+capacity\s+1\s+1\s/);
  });

  it('the data-health page shows a feed\'s latest arrival, a re-delivery included, beside the accounting of the files loaded', async () => {
    await p.write('capacity_2026-09.csv', CAPACITY);
    await p.ingest();
    await write(`UPDATE ingested_files SET ingested_at = TIMESTAMPTZ '2026-09-01 08:00:00-04'`);
    await p.write('capacity_2026-11.csv', CAPACITY);
    await p.ingest();
    await write(`UPDATE redeliveries SET arrived_at = TIMESTAMPTZ '2026-11-02 08:00:00-05'`);

    const published = join(p.dir, 'published');
    const warehouse = await openWarehouse({ path: p.dbPath, timezone: p.config.timezone, pseudonymKey: TEST_KEY });
    try {
      const runId = await startRun(warehouse, 'transform');
      const { marts } = await transform(warehouse, p.config, { asOf: '2026-11-30', runId });
      // Published as `refloop transform` will once systemSnapshots lists redeliveries; added here if it does not yet.
      const system = systemSnapshots(marts);
      const extra = system.some((s) => typeof s !== 'string' && s.name === 'redeliveries') ? [] : [{ name: 'redeliveries', sql: 'SELECT * FROM redeliveries' }];
      await publishSnapshotSet(warehouse, [...marts, ...system, ...extra], published, { runId });
    } finally {
      await warehouse.close();
    }
    const feeds = (await health(published)).feeds.filter((f) => f.kind === 'capacity');
    expect(feeds).toEqual([
      expect.objectContaining({
        source: 'inbox',
        files: 1,
        redelivered: 1,
        latest_file: 'capacity_2026-11.csv (same content as capacity_2026-09.csv)',
        last_loaded: '2026-11-02 08:00',
        rows_read: 3,
        rows_loaded: 3,
      }),
    ]);
  }, 120_000);
});

/** Runs the data-health page's loader on a snapshot set, as the publish does. */
async function health(published: string): Promise<{ feeds: Record<string, unknown>[] }> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'reports/data/health.json.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, REFLOOP_PUBLISHED_DIR: published },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

