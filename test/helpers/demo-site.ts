// One demo practice, published once for the whole suite. Building it (demo +
// `run --publish`: ingest, transform, seven loaders, the site build) takes a
// minute or two on two cores, so every test that only reads the published
// site or its data shares this one instead of building its own.
//
// It is built into test-output/demo-site/<fingerprint>/, where the
// fingerprint is a hash of the code that builds it (src, sql, reports,
// pipelines, bin, the lock file and this file): change any of it and the next
// test builds afresh, so a test never reads a site older than the code. Test
// files run in parallel processes; a lock folder makes the others wait while
// the first one builds.
//
// Where the machine lets a process give up its network (`unshare -rn`, a
// network namespace of its own), the site is built with none, as a practice
// with no internet access would build it: the site test then knows the build
// needed nothing from outside (`builtOffline`).
//
// Tests must not change it. One that needs to (a failing publish, a broken
// snapshot) works on `copyOfDemoSite()`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { isAlive } from '../../src/warehouse/lock.ts';
import { refloop } from './cli.ts';

const REPO = join(import.meta.dirname, '../..');
const CACHE = join(REPO, 'test-output', 'demo-site');
/** What builds the site: a change to any of these makes a new fingerprint. */
const INPUTS = ['src', 'sql', 'reports', 'pipelines', 'bin', 'observablehq.config.ts', 'package-lock.json', 'test/helpers/demo-site.ts'];
const LOCK_WAIT_MS = 15 * 60_000;

/** The demo's shape: its last day is Sunday 2026-11-22, the numbers are as of the Monday after. */
export const DEMO_SITE = { referrals: 4000, start: '2025-06-02', end: '2026-11-22', asOf: '2026-11-23' } as const;

export interface DemoSite {
  /** The practice folder: refloop.config.json, data/ (inbox, warehouse, published), dist/. */
  dir: string;
  dist: string;
  /** Whether `run --publish` ran with no network at all; when not, why not. */
  builtOffline: true | string;
}

let built: Promise<DemoSite> | undefined;

/** The shared demo practice, built on first use in this run (or reused from an earlier run of the same code). */
export function demoSite(): Promise<DemoSite> {
  built ??= buildOnce();
  return built;
}

/** A private copy of the demo practice, for a test that changes it; the caller removes it. */
export async function copyOfDemoSite(): Promise<DemoSite> {
  const site = await demoSite();
  const copy = await mkdtemp(join(tmpdir(), 'refloop-site-copy-'));
  // verbatimSymlinks: data/published is a relative link; rewritten to an absolute one it would point back into the shared site.
  await cp(site.dir, copy, { recursive: true, verbatimSymlinks: true });
  return { ...site, dir: copy, dist: join(copy, 'dist') };
}

async function buildOnce(): Promise<DemoSite> {
  const root = join(CACHE, await fingerprint());
  const done = join(root, '.complete');
  const site = async (): Promise<DemoSite> => ({ dir: root, dist: join(root, 'dist'), builtOffline: JSON.parse(await readFile(done, 'utf8')).builtOffline });
  if (existsSync(done)) return site();
  await mkdir(CACHE, { recursive: true });
  const lock = `${root}.lock`;
  await takeLock(lock);
  try {
    if (existsSync(done)) return site();
    // Another fingerprint's site is out of date; it goes once no run can still be reading it (an hour old, no lock).
    for (const entry of await readdir(CACHE)) {
      const other = join(CACHE, entry);
      if (entry.endsWith('.lock') || other === root || existsSync(`${other}.lock`)) continue;
      if (Date.now() - (await stat(other)).mtimeMs > 60 * 60_000) await rm(other, { recursive: true, force: true });
    }
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true });
    const demo = refloop(['demo', '--referrals', String(DEMO_SITE.referrals), '--start', DEMO_SITE.start, '--end', DEMO_SITE.end], { cwd: root });
    if (demo.code !== 0) throw new Error(`refloop demo failed:\n${demo.stderr}`);
    const offline = withoutNetwork();
    const run = refloop(['run', '--publish', '--as-of', DEMO_SITE.asOf], { cwd: root, ...(offline === true ? { prefix: ['unshare', '-rn'] } : {}) });
    if (run.code !== 0) throw new Error(`refloop run --publish${offline === true ? ' (with no network)' : ''} failed:\n${run.stderr}`);
    await writeFile(done, JSON.stringify({ builtAt: new Date().toISOString(), builtOffline: offline }));
    return site();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Waits for the lock folder (mkdir is atomic); a lock left by a process that is gone is taken over. */
async function takeLock(lock: string): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(holder) && !isAlive(holder)) await rm(lock, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`the demo site is still being built after ${LOCK_WAIT_MS / 60_000} minutes (lock ${lock})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** true when this machine can run a process in a network namespace of its own (no interface but loopback), else why not. */
function withoutNetwork(): true | string {
  const probe = spawnSync('unshare', ['-rn', 'true'], { encoding: 'utf8' });
  if (probe.error) return `unshare is not available (${probe.error.message})`;
  return probe.status === 0 ? true : `unshare -rn is refused here: ${probe.stderr.trim()}`;
}

/** A hash over the names and bytes of every file that builds the site (dot-folders such as Framework's cache left out). */
async function fingerprint(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const path = join(REPO, input);
    if (!existsSync(path)) continue;
    const files = (await stat(path)).isFile()
      ? [path]
      : (await readdir(path, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name))
          .filter((f) => !relative(REPO, f).split('/').some((part) => part.startsWith('.')))
          .sort();
    for (const file of files) {
      hash.update(relative(REPO, file)).update('\0').update(await readFile(file)).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}
