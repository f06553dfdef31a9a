// Published snapshots are a set: written whole into a folder of their own and
// swapped in with one rename of the `published` link, with a manifest that
// publish and the loaders check. A write that fails or is killed leaves the
// previous set in place, whole; what a killed writer left is removed at the
// next start; publish refuses anything that is not a complete set.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST, publishSnapshotSet, readSnapshotSet, removeStaleSnapshotSets, type Snapshot, systemSnapshots } from '../../src/models/snapshots.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/refloop.js');
const KEY = 'test-key-of-at-least-thirty-two-bytes!!';
const ENV = { ...process.env, REFLOOP_LOG: 'text', REFLOOP_PSEUDONYM_KEY: KEY, REFLOOP_SETTLE_SECONDS: '0' };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-snapshot-sets-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Names beside the link that belong to snapshot sets (the link, set folders, temporary links). */
async function setEntries(dataDir: string): Promise<string[]> {
  return (await readdir(dataDir)).filter((e) => e === 'published' || e.startsWith('.published-')).sort();
}

/** Every file of a set (a monthly snapshot's months too) by its path in the set, and its hash. */
async function fileHashes(dir: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => !e.isDirectory());
  for (const path of files.map((e) => relative(dir, join(e.parentPath, e.name))).sort()) hashes[path] = createHash('sha256').update(await readFile(join(dir, path))).digest('hex');
  return hashes;
}

describe('writing a snapshot set', () => {
  let dir: string;
  let link: string;
  let w: Warehouse;
  const snapshots: Snapshot[] = ['a', ...systemSnapshots(['a'])];

  beforeAll(async () => {
    dir = join(root, 'unit', 'data');
    link = join(dir, 'published');
    w = await openWarehouse({ path: join(dir, 'w.duckdb'), timezone: 'UTC' });
    await w.run(`CREATE TABLE a AS SELECT range AS n FROM range(3);
                 CREATE TABLE config_params AS SELECT TIMESTAMPTZ '2026-11-23 05:00:00+00' AS as_of, 'UTC' AS timezone;`);
  });
  afterAll(() => w.close());

  it('writes every snapshot and a manifest (run, as_of, files and row counts) into a new folder that `published` links to', async () => {
    const set = await publishSnapshotSet(w, snapshots, link, { runId: 1 });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await realpath(link)).toBe(set.dir);
    const manifest = JSON.parse(await readFile(join(link, MANIFEST), 'utf8'));
    expect(manifest.run_id).toBe(1);
    expect(manifest.as_of).toBe('2026-11-23 05:00:00+00');
    expect(manifest.files).toEqual([
      { name: 'a.parquet', rows: 3 },
      { name: 'config_params.parquet', rows: 1 },
      { name: 'runs.parquet', rows: 0 },
      { name: 'ingested_files.parquet', rows: 0 },
      { name: 'skipped_rows.parquet', rows: 0 },
      { name: 'redeliveries.parquet', rows: 0 },
      { name: 'check_results.parquet', rows: 0 },
      // the dictionary lists a's one column (n); config_params is not a mart
      { name: 'dictionary.parquet', rows: 1 },
    ]);
    expect((await readdir(link)).sort()).toEqual([...manifest.files.map((f: { name: string }) => f.name), MANIFEST].sort());
    const [read] = await w.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(link, 'a.parquet')}')`);
    expect(read!.n).toBe(3);
  });

  it('swaps the next set in under the same name and removes the previous one only after the swap', async () => {
    const before = await realpath(link);
    await w.run('INSERT INTO a SELECT 10 + range FROM range(2)');
    const set = await publishSnapshotSet(w, snapshots, link, { runId: 2 });
    expect(set.dir).not.toBe(before);
    expect(await realpath(link)).toBe(set.dir);
    expect(existsSync(before)).toBe(false);
    expect(await setEntries(dir)).toEqual(['published', set.dir.split('/').pop()].sort());
    expect((await readSnapshotSet(link)).manifest).toMatchObject({ run_id: 2, files: expect.arrayContaining([{ name: 'a.parquet', rows: 5 }]) });
  });

  it('leaves the previous set whole, and no folder behind, when a snapshot fails halfway through the set', async () => {
    const current = await realpath(link);
    const hashes = await fileHashes(current);
    await w.run('INSERT INTO a VALUES (99)');
    const failing: Snapshot[] = ['a', 'config_params', { name: 'boom', sql: "SELECT error('injected failure while writing the set')" }, 'runs'];
    await expect(publishSnapshotSet(w, failing, link, { runId: 3 })).rejects.toThrow('injected failure while writing the set');
    expect(await realpath(link)).toBe(current);
    expect(await fileHashes(current)).toEqual(hashes);
    expect((await readSnapshotSet(link)).manifest.run_id).toBe(2);
    expect(await setEntries(dir)).toEqual(['published', current.split('/').pop()].sort());
  });

  it('removes folders of writers that are gone at the next start, and keeps a live writer\'s and the current set', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    const live = spawn('sleep', ['30']);
    try {
      const dead = join(dir, `.published-${gone}-0badc0de`);
      const deadLink = join(dir, `.published-${gone}-0badc0df.link`);
      const alive = join(dir, `.published-${live.pid}-0000beef`);
      await mkdir(dead);
      await writeFile(join(dead, 'a.parquet'), 'half a file');
      await symlink('nowhere', deadLink);
      await mkdir(alive);
      const current = await realpath(link);
      expect((await removeStaleSnapshotSets(link)).sort()).toEqual([`.published-${gone}-0badc0de`, `.published-${gone}-0badc0df.link`]);
      expect(existsSync(alive)).toBe(true);
      expect(await realpath(link)).toBe(current);
      await rm(alive, { recursive: true });
    } finally {
      live.kill();
    }
  });

  it('replaces a plain `published` folder (from before sets, with a leftover .writing file) by the first set', async () => {
    const legacy = join(root, 'legacy', 'data');
    await mkdir(join(legacy, 'published'), { recursive: true });
    await writeFile(join(legacy, 'published', 'a.parquet'), 'old');
    await writeFile(join(legacy, 'published', 'a.parquet.writing-4242'), 'half');
    const set = await publishSnapshotSet(w, snapshots, join(legacy, 'published'), { runId: 4 });
    expect((await lstat(join(legacy, 'published'))).isSymbolicLink()).toBe(true);
    expect(await setEntries(legacy)).toEqual(['published', set.dir.split('/').pop()].sort());
    expect((await readSnapshotSet(join(legacy, 'published'))).manifest.run_id).toBe(4);
  });
});

describe('what counts as a complete set', () => {
  let w: Warehouse;
  let n = 0;
  beforeAll(async () => {
    w = await openWarehouse({ path: ':memory:', timezone: 'UTC' });
    await w.run('CREATE TABLE a AS SELECT range AS n FROM range(3); CREATE TABLE b AS SELECT 1 AS m');
  });
  afterAll(() => w.close());

  /** A fresh complete set (a, b), then `spoil` applied to its folder. */
  async function spoiledSet(spoil: (setDir: string) => Promise<unknown>): Promise<string> {
    const link = join(root, `check-${++n}`, 'published');
    const set = await publishSnapshotSet(w, ['a', 'b'], link, { runId: n });
    await spoil(set.dir);
    return link;
  }
  const reason = (link: string) => readSnapshotSet(link).then(() => 'accepted', (e: Error) => e.message);

  it('accepts a set as written', async () => {
    expect(await reason(await spoiledSet(async () => {}))).toBe('accepted');
  });

  it('refuses, in one line, a set without its manifest, with a listed file missing, with a leftover temporary file, with a file it does not list, or with a manifest that is not one', async () => {
    const cases: [string, (d: string) => Promise<unknown>, RegExp][] = [
      ['no manifest', (d) => unlink(join(d, MANIFEST)), /\(no manifest\.json, which is written last\)/],
      ['a file missing', (d) => unlink(join(d, 'b.parquet')), /\(b\.parquet is missing\)/],
      ['a leftover temporary name', (d) => writeFile(join(d, 'b.parquet.writing-4242'), ''), /\(b\.parquet\.writing-4242 was left by an interrupted write\)/],
      ['an unlisted file', (d) => copyFile(join(d, 'a.parquet'), join(d, 'c.parquet')), /\(c\.parquet is not in its manifest\.json\)/],
      ['a manifest that is not one', (d) => writeFile(join(d, MANIFEST), '{"files": "all of them"}'), /\(manifest\.json is not a snapshot manifest\)/],
    ];
    for (const [what, spoil, expected] of cases) {
      const message = await reason(await spoiledSet(spoil));
      expect(message, what).toMatch(/^not published: .* is not a complete snapshot set \(/);
      expect(message, what).toMatch(expected);
      expect(message, what).not.toContain('\n');
    }
    expect(await reason(join(root, 'nothing-here', 'published'))).toMatch(/^no published snapshots in .*: run `refloop run` first$/);
  });

  it('makes a loader refuse a snapshot whose row count is not the manifest\'s (a file swapped in from elsewhere)', async () => {
    const loader = (link: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'reports/data/health.json.ts')], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, REFLOOP_PUBLISHED_DIR: link },
      });
    const intact = await spoiledSet(async () => {});
    // An intact set gets past the snapshots, and fails later saying what to run: it lacks the marts the page reads, as a set of an older transform does.
    const older = loader(intact);
    expect(older.stderr).not.toMatch(/holds \d+ rows/);
    expect(older.stderr).toMatch(/^data loader health failed: the published snapshots have no \w+ \(written by an older transform\): run `refloop transform` \(or `refloop run --publish`\), then publish$/m);
    const swapped = await spoiledSet((d) => w.run(`COPY (SELECT range AS n FROM range(5)) TO '${join(d, 'a.parquet')}' (FORMAT parquet)`));
    const result = loader(swapped);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("data loader health failed: snapshot a.parquet holds 5 rows, but its set's manifest says 3");
  });
});

describe('the jobs', () => {
  let practice: string;

  beforeAll(async () => {
    practice = join(root, 'practice');
    await mkdir(practice);
    const demo = refloop(['demo', '--referrals', '300', '--start', '2026-01-05', '--end', '2026-06-28'], { cwd: practice, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
    expect(demo.code, demo.stderr).toBe(0);
    const run = refloop(['run', '--as-of', '2026-07-06'], { cwd: practice, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
    expect(run.code, run.stderr).toBe(0);
  }, 240_000);

  /** Starts `refloop transform` and kills it (-9) once it has written part of a new set. */
  async function killDuringSnapshotWriting(): Promise<{ leftover: string; signal: string | null }> {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'transform', '--as-of', '2026-07-13'], { cwd: practice, env: ENV, stdio: 'ignore' });
    const closed = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    const data = join(practice, 'data');
    let leftover: string | undefined;
    let exited = false;
    void closed.then(() => (exited = true));
    while (!leftover && !exited) {
      for (const entry of await readdir(data)) {
        if (!entry.startsWith(`.published-${child.pid}-`) || entry.endsWith('.link')) continue;
        const files = await readdir(join(data, entry)).catch(() => [] as string[]);
        if (files.some((f) => f.endsWith('.parquet')) && !files.includes(MANIFEST)) {
          child.kill('SIGKILL');
          leftover = entry;
        }
      }
      await sleep(1);
    }
    const signal = await closed;
    expect(leftover, 'the transform finished before it could be killed while writing its snapshots').toBeDefined();
    return { leftover: leftover!, signal };
  }

  it('killed -9 while writing snapshots, a transform leaves the previous set in place and whole; the next run removes its folder', async () => {
    const link = join(practice, 'data', 'published');
    const before = await readSnapshotSet(link);
    const hashes = await fileHashes(before.dir);
    const { leftover, signal } = await killDuringSnapshotWriting();
    expect(signal).toBe('SIGKILL');
    const after = await readSnapshotSet(link);
    expect(after.dir).toBe(before.dir);
    expect(after.manifest).toEqual(before.manifest);
    expect(await fileHashes(after.dir)).toEqual(hashes);
    expect(existsSync(join(practice, 'data', leftover))).toBe(true);

    const next = refloop(['transform', '--as-of', '2026-07-13'], { cwd: practice, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
    expect(next.code, next.stderr).toBe(0);
    expect(existsSync(join(practice, 'data', leftover))).toBe(false);
    const fresh = await readSnapshotSet(link);
    expect(fresh.manifest.run_id).toBeGreaterThan(before.manifest.run_id);
    expect(fresh.manifest.as_of).toBe('2026-07-13 00:00:00-04');
    expect(await setEntries(join(practice, 'data'))).toEqual(['published', fresh.dir.split('/').pop()].sort());
  }, 240_000);

  it('publish refuses, in one line and shipping nothing, a mixed folder with a .writing file, a set without its manifest, and a set with a file missing', async () => {
    const set = await readSnapshotSet(join(practice, 'data', 'published'));
    const referrals = set.manifest.files.find((f) => f.name === 'fct_referrals');
    const firstMonth = referrals && 'parts' in referrals ? referrals.parts[0]!.name : 'fct_referrals is not monthly';
    const cases: [string, (published: string) => Promise<unknown>, RegExp][] = [
      [
        'a plain folder mixed by a killed write (no manifest, a .writing file)',
        async (published) => {
          await mkdir(published);
          for (const f of set.manifest.files) await cp(join(set.dir, f.name), join(published, f.name), { recursive: true });
          await writeFile(join(published, 'kpi_weekly.parquet.writing-4242'), 'half a file');
        },
        /kpi_weekly\.parquet\.writing-4242 was left by an interrupted write/,
      ],
      [
        'a set without its manifest',
        async (published) => {
          await cp(set.dir, `${published}-set`, { recursive: true });
          await unlink(join(`${published}-set`, MANIFEST));
          await symlink(`${published}-set`, published);
        },
        /no manifest\.json, which is written last/,
      ],
      [
        'a set with a file missing',
        async (published) => {
          await cp(set.dir, `${published}-set`, { recursive: true });
          await unlink(join(`${published}-set`, 'fct_referrals', firstMonth));
          await symlink(`${published}-set`, published);
        },
        new RegExp(`fct_referrals/${firstMonth.replace('.', '\\.')} is missing`),
      ],
    ];
    for (const [i, [what, make, expected]] of cases.entries()) {
      const dir = join(root, `refused-${i}`);
      await mkdir(join(dir, 'data'), { recursive: true });
      await copyFile(join(practice, 'refloop.config.json'), join(dir, 'refloop.config.json'));
      await make(join(dir, 'data', 'published'));
      const result = refloop(['publish'], { cwd: dir, env: { REFLOOP_PSEUDONYM_KEY: KEY } });
      expect(result.code, what).toBe(1);
      expect(result.stderr, what).toMatch(/^refloop publish failed: not published: .* is not a complete snapshot set \(.*\); run `refloop transform` to write a new one\n$/);
      expect(result.stderr, what).toMatch(expected);
      expect(existsSync(join(dir, 'dist')), what).toBe(false);
      expect(existsSync(join(dir, 'data', 'warehouse.duckdb.lock')), `${what}: the lock is released`).toBe(false);
    }
  }, 120_000);
});
