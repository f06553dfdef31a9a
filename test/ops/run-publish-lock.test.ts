// `refloop run --publish` holds one writer lock from its start to the end of
// the site build. It closes the warehouse before the build (readers may open
// it meanwhile), but no other writer can start between the transform and the
// publish: the lock file names the same run throughout, and a second writer
// during the build is refused, naming that run.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireWriterLock, type LockInfo, lockPath, readLock } from '../../src/warehouse/lock.ts';
import { refloop } from '../helpers/cli.ts';

const BIN = join(import.meta.dirname, '../../bin/refloop.js');
const KEY = 'run-publish-lock-test-key-of-32-bytes!!';
const ENV = { ...process.env, REFLOOP_LOG: 'text', REFLOOP_PSEUDONYM_KEY: KEY, REFLOOP_SETTLE_SECONDS: '0' };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-run-publish-lock-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('a retained lock handle', () => {
  it('keeps the lock file when the first handle is released, and lets go with the last', async () => {
    const dbPath = join(root, 'unit.duckdb');
    const lock = await acquireWriterLock(dbPath, 'run');
    await lock.setRun(7);
    const held = lock.retain();
    await lock.release();
    await lock.release(); // a second release of one handle does not count twice
    expect(await readLock(lockPath(dbPath))).toMatchObject({ pid: process.pid, job: 'run', run_id: 7 });
    await expect(acquireWriterLock(dbPath, 'ingest')).rejects.toThrow(/^warehouse busy: run 7 started at \S+ by pid \d+ \(run\)/);
    await held.release();
    expect(existsSync(lockPath(dbPath))).toBe(false);
    const next = await acquireWriterLock(dbPath, 'ingest');
    await next.release();
  });

  it('cannot be taken from a lock already let go', async () => {
    const lock = await acquireWriterLock(join(root, 'released.duckdb'), 'run');
    await lock.release();
    expect(() => lock.retain()).toThrow('the writer lock was released');
  });
});

function start(args: string[], cwd: string): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr }))) };
}

describe('refloop run --publish', () => {
  it('holds one lock through ingest, transform and the site build: a writer during the build is refused, naming the run', async () => {
    const dir = join(root, 'practice');
    await mkdir(dir);
    const demo = await start(['demo', '--referrals', '300', '--seed', '3', '--start', '2026-01-05', '--end', '2026-06-28'], dir).done;
    expect(demo.code, demo.stderr).toBe(0);

    const lockFile = join(dir, 'data', 'warehouse.duckdb.lock');
    const siteRoot = join(dir, 'data', 'warehouse.duckdb.site');
    const run = start(['run', '--publish', '--as-of', '2026-07-06'], dir);
    let finished = false;
    void run.done.then(() => (finished = true));

    // Every lock the run's life shows, as read every few milliseconds, and
    // how often the lock came back after it had gone (a gap another writer
    // could have used).
    const seen: LockInfo[] = [];
    let gone = false;
    let gaps = 0;
    const watching = (async () => {
      while (!finished) {
        let text: string | undefined;
        try {
          text = readFileSync(lockFile, 'utf8');
        } catch {
          text = undefined;
        }
        if (text) {
          if (gone) gaps++;
          gone = false;
          const info = JSON.parse(text) as LockInfo;
          const last = seen.at(-1);
          if (!last || JSON.stringify(last) !== JSON.stringify(info)) seen.push(info);
        } else if (seen.length) {
          gone = true;
        }
        await sleep(5);
      }
    })();

    // The build has begun once Framework's source root exists beside the warehouse.
    const until = Date.now() + 500_000;
    while (!existsSync(siteRoot) && !finished && Date.now() < until) await sleep(10);
    expect(existsSync(siteRoot), 'the run reached the site build').toBe(true);
    const during = readLock(lockFile);
    const other = refloop(['ingest'], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
    const stillBuilding = existsSync(siteRoot);

    const result = await run.done;
    await watching;
    expect(result.code, result.stderr).toBe(0);
    expect(stillBuilding, 'the second writer was tried while the site was being built').toBe(true);
    expect(await during).toMatchObject({ pid: run.child.pid, job: 'run', run_id: 1 });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(new RegExp(`^refloop ingest failed: warehouse busy: run 1 started at \\S+ by pid ${run.child.pid} \\(run\\); try again when it ends, or pass --wait\\n$`));
    // One lock: the same process and start throughout (setRun adds the run id to it, nothing else changes).
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((l) => `${l.pid} ${l.job} ${l.started_at}`))).toEqual(new Set([`${run.child.pid} run ${seen[0]!.started_at}`]));
    expect(gaps).toBe(0);
    expect(existsSync(lockFile), 'the lock goes when the run ends').toBe(false);
  }, 600_000);
});
