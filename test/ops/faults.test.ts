// Faults: kill -9 at random moments (seeded) leaves every file wholly loaded
// or absent and the next run ends like a clean one; a run started while
// another holds the warehouse yields with a clear message, and the data are
// those of the one run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireWriterLock } from '../../src/warehouse/lock.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';

const BIN = join(import.meta.dirname, '../../bin/refloop.js');
const ENV = { ...process.env, REFLOOP_LOG: 'json', REFLOOP_PSEUDONYM_KEY: 'fault-test-key-of-at-least-thirty-two-bytes' };
const AS_OF = '2026-07-06';
let root: string;

/** A practice folder: config + inbox of a small demo, copied so each scenario starts clean. */
async function practiceCopy(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(join(root, 'template'), dir, { recursive: true });
  return dir;
}

function start(args: string[], cwd: string) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let markStarted: () => void;
  const ingestStarted = new Promise<void>((resolve) => (markStarted = resolve));
  child.stderr.on('data', (c) => {
    stderr += c;
    if (stderr.includes('"event":"ingest.start"')) markStarted();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      markStarted();
      resolve({ code, signal, stderr });
    }),
  );
  return { child, done, ingestStarted };
}

/** Runs refloop and sends it SIGTERM once its log shows `marker`; resolves with its exit code and log. */
function terminatedAt(args: string[], cwd: string, marker: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (!signalled && stderr.includes(marker)) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** The marts' content, for comparing two warehouses (the run that built them aside). */
async function martFingerprint(dir: string): Promise<unknown> {
  const w = await openWarehouse({ path: join(dir, 'data/warehouse.duckdb'), timezone: 'America/New_York', readOnly: true });
  try {
    return await w.query(`SELECT
      (SELECT count(*)::INTEGER FROM fct_referrals) AS referrals,
      (SELECT md5(string_agg(f::VARCHAR, '|' ORDER BY referral_id)) FROM (SELECT * EXCLUDE (run_id) FROM fct_referrals) f) AS fct,
      (SELECT md5(string_agg(f::VARCHAR, '|' ORDER BY received_week, service_line)) FROM (SELECT * EXCLUDE (run_id) FROM funnel_weekly) f) AS funnel,
      (SELECT md5(string_agg(q::VARCHAR, '|' ORDER BY source)) FROM (SELECT * EXCLUDE (run_id) FROM source_quality) q) AS sources,
      (SELECT md5(string_agg(file || rows_read || rows_loaded || rows_quarantined, '|' ORDER BY file)) FROM ingested_files) AS files`);
  } finally {
    await w.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-faults-'));
  const template = join(root, 'template');
  (await import('node:fs')).mkdirSync(template, { recursive: true });
  const demo = refloop(['demo', '--referrals', '1500', '--start', '2026-01-05', '--end', '2026-06-28'], { cwd: template });
  expect(demo.code, demo.stderr).toBe(0);
  const clean = await practiceCopy('clean');
  const run = refloop(['run', '--as-of', AS_OF], { cwd: clean, env: { REFLOOP_PSEUDONYM_KEY: 'fault-test-key-of-at-least-thirty-two-bytes' } });
  expect(run.code, run.stderr).toBe(0);
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('kill -9 during ingest', () => {
  it('leaves every file wholly loaded or absent, killed mid-load 10 times, and the next run ends as a clean one', async () => {
    const dir = await practiceCopy('killed');
    let seed = 20261127;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const clean = await openWarehouse({ path: join(root, 'clean', 'data/warehouse.duckdb'), timezone: 'America/New_York', readOnly: true });
    const [{ total }] = (await clean.query<{ total: number }>('SELECT count(*)::INTEGER AS total FROM ingested_files')) as [{ total: number }];
    await clean.close();
    // How long a whole load takes here, so the kills land inside one.
    const timing = start(['ingest'], await practiceCopy('timing'));
    await timing.ingestStarted;
    const loadStarted = performance.now();
    await timing.done;
    const loadMs = performance.now() - loadStarted;
    const loadedAfterKill: number[] = [];
    // Kill until 10 kills have landed mid-load (a kill after the last commit
    // finds the load complete); a load resumed after a kill is shorter than
    // the measured one, so some kills land after it.
    const interrupted = () => loadedAfterKill.filter((n) => n < total).length;
    for (let kill = 0; kill < 40 && interrupted() < 10; kill++) {
      // Kill at a random moment of the load itself (startup time varies with the machine's load).
      const { child, done, ingestStarted } = start(['ingest'], dir);
      await ingestStarted;
      await new Promise((resolve) => setTimeout(resolve, random() * loadMs));
      child.kill('SIGKILL');
      await done;
      const w = await openWarehouse({ path: join(dir, 'data/warehouse.duckdb'), timezone: 'America/New_York', readOnly: true }).catch(() => undefined);
      if (!w) continue; // killed before the warehouse was first created
      try {
        // Killed before the schema's first commit: a valid, empty warehouse.
        const [schema] = await w.query<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'ingested_files'");
        if (!schema!.n) {
          loadedAfterKill.push(0);
          continue;
        }
        const [check] = await w.query<Record<string, number>>(`SELECT
          (SELECT count(*)::INTEGER FROM ingested_files) AS files,
          (SELECT count(*)::INTEGER FROM ingested_files WHERE rows_read <> rows_loaded + rows_quarantined) AS unbalanced,
          (SELECT count(*)::INTEGER FROM quarantine q ANTI JOIN ingested_files f ON f.file = q.file) AS orphan_quarantine,
          (SELECT count(*)::INTEGER FROM (SELECT file, count(*) AS n FROM quarantine GROUP BY file) q JOIN ingested_files f USING (file) WHERE q.n <> f.rows_quarantined) AS partial_quarantine,
          (SELECT count(*)::INTEGER FROM (SELECT source_file FROM referrals UNION ALL SELECT source_file FROM referral_events UNION ALL SELECT source_file FROM appointments UNION ALL SELECT source_file FROM visits) r ANTI JOIN ingested_files f ON f.file = r.source_file) AS orphan_rows`);
        expect(check, `after kill ${kill + 1}`).toMatchObject({ unbalanced: 0, orphan_quarantine: 0, partial_quarantine: 0, orphan_rows: 0 });
        loadedAfterKill.push(check!.files!);
      } finally {
        await w.close();
      }
      // A load that got to the end before the kill: start the warehouse
      // afresh, so the next kill lands in a load again.
      if (loadedAfterKill[loadedAfterKill.length - 1] === total) {
        await rm(join(dir, 'data/warehouse.duckdb'), { force: true });
        await rm(join(dir, 'data/warehouse.duckdb.wal'), { force: true });
      }
    }
    expect(interrupted()).toBeGreaterThanOrEqual(10);
    const finish = refloop(['run', '--as-of', AS_OF], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: 'fault-test-key-of-at-least-thirty-two-bytes' } });
    expect(finish.code, finish.stderr).toBe(0);
    expect(await martFingerprint(dir)).toEqual(await martFingerprint(join(root, 'clean')));
  }, 240_000);
});

describe('SIGTERM during transform', () => {
  it('interrupts the build in hand, exits 1 saying nothing changed, and leaves the marts of the last transform', async () => {
    const dir = join(root, 'transform-terminated');
    await cp(join(root, 'clean'), dir, { recursive: true });
    const before = await martFingerprint(dir);
    // A later as_of would change every mart, so an unchanged fingerprint means the transform rolled back.
    const { code, stderr } = await terminatedAt(['transform', '--as-of', '2026-07-13'], dir, '"event":"transform.start"');
    expect(code).toBe(1);
    expect(stderr).toContain('transform stopped by SIGTERM: nothing changed');
    expect(await martFingerprint(dir)).toEqual(before);
    const w = await openWarehouse({ path: join(dir, 'data/warehouse.duckdb'), timezone: 'America/New_York', readOnly: true });
    try {
      const runs = await w.query<{ status: string; error: string | null }>('SELECT status, error FROM runs ORDER BY run_id');
      expect(runs.at(-1)).toEqual({ status: 'failed', error: expect.stringMatching(/^transform stopped by SIGTERM/) });
    } finally {
      await w.close();
    }
  }, 120_000);
});

describe('SIGTERM during ingest', () => {
  it('finishes the batch of files in hand, records the run as stopped, exits 1, and the next run loads the rest', async () => {
    const dir = await practiceCopy('terminated');
    // Stop as soon as the first batch of files has landed.
    const { code, stderr } = await terminatedAt(['ingest'], dir, '"event":"ingest.file_loaded"');
    expect(code).toBe(1);
    expect(stderr).toContain('"event":"ingest.stopped"');
    const w = await openWarehouse({ path: join(dir, 'data/warehouse.duckdb'), timezone: 'America/New_York', readOnly: true });
    let loaded: number;
    try {
      const [run] = await w.query<{ status: string; error: string; files: number }>('SELECT status, error, files FROM runs');
      expect(run!.status).toBe('failed');
      expect(run!.error).toMatch(/^stopped by SIGTERM after \d+ files; the rest load next run$/);
      loaded = run!.files;
      const [check] = await w.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM ingested_files');
      expect(check!.n).toBe(loaded);
    } finally {
      await w.close();
    }
    const next = refloop(['ingest'], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: 'fault-test-key-of-at-least-thirty-two-bytes' } });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(new RegExp(`\\(${loaded} already loaded\\)`));
  }, 120_000);
});

describe('two runs started together', () => {
  it('end with the data of one run, and a clear message from the one that yielded', async () => {
    // The first run's hold on the warehouse is taken here, in the test, so the second run meets it every time
    // (two processes racing for the lock decide the order by the machine's load, not by the code under test).
    const dir = await practiceCopy('concurrent');
    const dbPath = join(dir, 'data/warehouse.duckdb');
    const held = await acquireWriterLock(dbPath, 'run');
    let yielded: { code: number | null; stderr: string };
    try {
      const second = start(['run', '--as-of', AS_OF], dir);
      yielded = await second.done;
    } finally {
      await held.release();
    }
    expect(yielded.code).toBe(1);
    expect(yielded.stderr).toMatch(new RegExp(`warehouse busy: a run run started at \\S+ by pid ${process.pid}`));
    expect(yielded.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(dbPath)).toBe(false); // it yielded before touching the warehouse
    const first = refloop(['run', '--as-of', AS_OF], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: 'fault-test-key-of-at-least-thirty-two-bytes' } });
    expect(first.code, first.stderr).toBe(0);
    expect(await martFingerprint(dir)).toEqual(await martFingerprint(join(root, 'clean')));
  }, 120_000);
});
