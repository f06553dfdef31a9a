// Two publishes at once. On two warehouses each builds its own site from its
// own snapshots (Framework's loader cache is per warehouse, not one shared
// folder in reports/). On one warehouse publish takes the writer lock: the
// second says busy, naming the holder, and exits 1.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSnapshotSet } from '../../src/models/snapshots.ts';
import { refloop } from '../helpers/cli.ts';

const BIN = join(import.meta.dirname, '../../bin/refloop.js');
const KEY = 'test-key-of-at-least-thirty-two-bytes!!';
const ENV = { ...process.env, REFLOOP_LOG: 'text', REFLOOP_PSEUDONYM_KEY: KEY, REFLOOP_SETTLE_SECONDS: '0' };
let root: string;
const practices = { small: '', large: '' };

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr }))) };
}

/** Rows read per extract kind, from the practice's own published snapshot (what its site must show). */
async function rowsReadByKind(practice: string): Promise<Record<string, number>> {
  const set = await readSnapshotSet(join(practice, 'data', 'published'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const rows = (
      await connection.runAndReadAll(`SELECT kind, sum(rows_read)::INTEGER AS n FROM read_parquet('${join(set.dir, 'ingested_files.parquet')}') GROUP BY kind`)
    ).getRowObjectsJson();
    return Object.fromEntries(rows.map((r) => [String(r.kind), Number(r.n)]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The same numbers as the built site's data-health page has them. */
async function siteRowsReadByKind(practice: string): Promise<Record<string, number>> {
  const dataDir = join(practice, 'dist', '_file', 'data');
  const file = (await readdir(dataDir)).find((f) => f.startsWith('health.') && f.endsWith('.json'))!;
  const health = JSON.parse(await readFile(join(dataDir, file), 'utf8')) as { feeds: { kind: string; rows_read: number }[] };
  const byKind: Record<string, number> = {};
  for (const feed of health.feeds) byKind[feed.kind] = (byKind[feed.kind] ?? 0) + feed.rows_read;
  return byKind;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-publish-concurrency-'));
  const setUp = async (name: 'small' | 'large', referrals: string, seed: string) => {
    const dir = join(root, name);
    await mkdir(dir);
    const demo = await start(['demo', '--referrals', referrals, '--seed', seed, '--start', '2026-01-05', '--end', '2026-06-28'], dir).done;
    expect(demo.code, demo.stderr).toBe(0);
    const run = await start(['run', '--as-of', '2026-07-06'], dir).done;
    expect(run.code, run.stderr).toBe(0);
    practices[name] = dir;
  };
  await Promise.all([setUp('small', '300', '1'), setUp('large', '700', '2')]);
}, 300_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('two publishes at once', () => {
  it('on two warehouses build two sites, each from its own snapshots; on one warehouse the second exits 1 naming the holder', async () => {
    const [small, large] = [practices.small, practices.large];
    const expected = { small: await rowsReadByKind(small), large: await rowsReadByKind(large) };
    expect(expected.small).not.toEqual(expected.large);

    const first = start(['publish'], small);
    const second = start(['publish'], large);
    // While the first holds its warehouse's lock, a third publish on that warehouse is refused.
    const lockFile = join(small, 'data', 'warehouse.duckdb.lock');
    const waitUntil = Date.now() + 60_000;
    while (!existsSync(lockFile) && Date.now() < waitUntil) await sleep(20);
    expect(existsSync(lockFile), 'publish takes the warehouse\'s writer lock').toBe(true);
    const holder = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number };
    expect(holder.pid).toBe(first.child.pid);
    const busy = refloop(['publish'], { cwd: small, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(new RegExp(`^refloop publish failed: warehouse busy: a publish run started at \\S+ by pid ${first.child.pid} \\(publish\\); try again when it ends, or pass --wait\\n$`));

    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(await siteRowsReadByKind(small)).toEqual(expected.small);
    expect(await siteRowsReadByKind(large)).toEqual(expected.large);
    // Each build's source root and cache lived beside its warehouse and went with the build; the lock is released.
    for (const dir of [small, large]) {
      expect(existsSync(join(dir, 'data', 'warehouse.duckdb.site'))).toBe(false);
      expect(existsSync(join(dir, 'data', 'warehouse.duckdb.lock'))).toBe(false);
    }
  }, 600_000);
});
