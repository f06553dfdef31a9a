// The privacy promise is about files, not tables: no MRN in any byte of the
// warehouse, its WAL or anything left beside it, even after a job killed
// with SIGKILL while DuckDB had spilled rows to disk. A leak of this kind
// comes and goes with memory reuse, so the test does not hunt for it in the
// tables: it reads the raw bytes of every file for a canary that every
// synthetic MRN carries, at a size where DuckDB spills (a low memory limit).
// DuckDB compresses some spilled blocks, which a byte scan cannot read, so
// where the spill files lie and that none is left are checked too.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestInbox } from '../../pipelines/ingest.ts';
import { parseConfig } from '../../src/config/load.ts';
import { workDirFor } from '../../src/ingest/work-dir.ts';
import { pseudonym } from '../../src/privacy/pseudonym.ts';
import { startRun } from '../../src/warehouse/runs.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';
import { BASE_CONFIG, REFERRAL_HEADER, referralRow, TEST_KEY } from '../helpers/ingest.ts';

const BIN = join(import.meta.dirname, '../../bin/refloop.js');
const KEY = 'mrn-bytes-test-key-of-at-least-thirty-two-bytes';
/**
 * The killed run's memory limit: low enough that staging a batch of these
 * files spills (and then runs out of memory: the kill comes first). The next
 * run has room to finish.
 */
const SPILLING_LIMIT = '96MB';
const FINISHING_LIMIT = '1GB';
const ENV = { REFLOOP_PSEUDONYM_KEY: KEY, REFLOOP_LOG: 'json' };
/** Every synthetic MRN starts with it; no other byte sequence in a warehouse does. */
const CANARY = 'QZ7MRN';
const REFERRALS_PER_FILE = 7_500;
const FILES = 10;
const PATIENTS = 40_000;

const mrn = (n: number) => `${CANARY}${String(n).padStart(8, '0')}`;
/** The warehouse's own files: everything else under the data folder is temporary. */
const WAREHOUSE_FILES = new Set(['warehouse.duckdb', 'warehouse.duckdb.wal', 'warehouse.duckdb.lock', '.pseudonym-key']);

let dir: string;
let data: string;

/** Referrals and visits of one month per file, every row naming a patient by a canary MRN. */
async function writePractice(inbox: string): Promise<void> {
  await mkdir(inbox, { recursive: true });
  let seed = 13;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let f = 0; f < FILES; f++) {
    const month = String(f + 1).padStart(2, '0');
    const referrals = [REFERRAL_HEADER];
    const visits = ['visit_id,appointment_id,patient_id,service_line,visit_at,summary_sent_at'];
    for (let i = 0; i < REFERRALS_PER_FILE; i++) {
      const id = f * REFERRALS_PER_FILE + i;
      const patient = mrn(Math.floor(random() * PATIENTS));
      const day = String(1 + (i % 27)).padStart(2, '0');
      referrals.push(referralRow({ referral_id: `R${id}`, patient_id: patient, received_at: `2026-${month}-${day} 09:15`, patient_name: `Name ${id}` }));
      visits.push(`V${id},A${id},${patient},cardiology,2026-${month}-${day} 14:30,`);
    }
    await writeFile(join(inbox, `referrals_2026-${month}.csv`), `${referrals.join('\n')}\n`);
    await writeFile(join(inbox, `visits_2026-${month}.csv`), `${visits.join('\n')}\n`);
  }
}

interface Entry {
  path: string;
  mode: number;
  directory: boolean;
}

async function walk(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    const path = join(root, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue; // removed while we looked
    out.push({ path, mode: info.mode & 0o777, directory: info.isDirectory() });
    if (info.isDirectory()) out.push(...(await walk(path)));
  }
  return out;
}

/** Files under `root` whose bytes hold the canary. */
async function filesWithCanary(root: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await walk(root)) {
    if (entry.directory) continue;
    const bytes = await readFile(entry.path).catch(() => undefined);
    if (bytes?.includes(CANARY)) hits.push(relative(root, entry.path));
  }
  return hits;
}

const isSpillFile = (path: string) => /duckdb_temp_storage|duckdb_temp_block/.test(path);

/**
 * Runs `refloop ingest` and, at a moment when DuckDB has spilled to disk,
 * notes what lies in the data folder and kills the job's own process with
 * SIGKILL, as the OOM killer or `kill -9` would: whatever it started must then
 * stop on its own. Spill files come and go within a batch, so the job (its
 * process group) is frozen while the folder is looked at, every few
 * milliseconds; a run that ends before one is seen is followed by another
 * (each also a next job that must clean up after the one before).
 */
async function ingestKilledWhileSpilling(): Promise<{ entries: Entry[]; canaries: string[]; groupEnded: boolean }> {
  const spilled = (entries: Entry[]) => entries.some((e) => !e.directory && isSpillFile(e.path));
  for (let attempt = 1; attempt <= 5; attempt++) {
    const child = spawn(process.execPath, [BIN, 'ingest', '--inbox', 'inbox', '--settle-seconds', '0'], {
      cwd: dir,
      env: { ...process.env, ...ENV, REFLOOP_MEMORY_LIMIT: SPILLING_LIMIT },
      stdio: 'ignore',
      detached: true,
    });
    const group = -child.pid!;
    let ended = false;
    const exited = new Promise<void>((resolve) =>
      child.on('exit', () => {
        ended = true;
        resolve();
      }),
    );
    try {
      while (!ended) {
        signal(group, 'SIGSTOP');
        const entries = await walk(data);
        if (spilled(entries)) {
          const canaries = await filesWithCanary(data);
          child.kill('SIGKILL');
          await exited;
          signal(group, 'SIGCONT');
          return { entries, canaries, groupEnded: await groupEnds(group, 10_000) };
        }
        signal(group, 'SIGCONT');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      signal(group, 'SIGKILL');
    }
  }
  throw new Error(`no ingest spilled to disk in 5 runs (raise the data or lower ${SPILLING_LIMIT})`);
}

/** Signals a process group that may have ended meanwhile. */
function signal(group: number, name: NodeJS.Signals): void {
  try {
    process.kill(group, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Whether every process of the group has ended within `ms`. */
async function groupEnds(group: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    try {
      process.kill(group, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

let killed: Awaited<ReturnType<typeof ingestKilledWhileSpilling>>;
let finished: ReturnType<typeof refloop>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-mrn-bytes-'));
  data = join(dir, 'data');
  await mkdir(data);
  await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(BASE_CONFIG));
  // The inbox holds the raw extracts by definition: it lies outside the data folder scanned here.
  await writePractice(join(dir, 'inbox'));
  killed = await ingestKilledWhileSpilling();
  finished = refloop(['ingest', '--inbox', 'inbox', '--settle-seconds', '0'], { cwd: dir, env: { ...ENV, REFLOOP_MEMORY_LIMIT: FINISHING_LIMIT } });
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('no MRN in any byte beside the warehouse, after a job killed while DuckDB spilled', () => {
  it('spilled only inside the private work folder (mode 0700), whose files are the owner’s alone', () => {
    const spill = killed.entries.filter((e) => !e.directory && isSpillFile(e.path));
    expect(spill.length).toBeGreaterThan(0);
    const outside = killed.entries.filter((e) => {
      const top = relative(data, e.path).split(sep)[0]!;
      return !WAREHOUSE_FILES.has(top) && !top.startsWith('.refloop-work');
    });
    expect(outside.map((e) => relative(data, e.path))).toEqual([]);
    const workDirs = killed.entries.filter((e) => e.directory && relative(data, e.path).startsWith('.refloop-work'));
    expect(workDirs.filter((e) => !relative(data, e.path).includes(sep)).map((e) => e.mode.toString(8))).toEqual(['700']);
    expect(workDirs.filter((e) => e.mode !== 0o700).map((e) => `${relative(data, e.path)} ${e.mode.toString(8)}`)).toEqual([]);
    // Files with raw rows are the owner's alone too; the warehouse's own spill files (pseudonymized rows) follow the umask inside their 0700 folder.
    const rawCopies = killed.entries.filter((e) => !e.directory && relative(data, e.path).startsWith('.refloop-work') && !relative(data, e.path).includes(`${sep}warehouse-spill${sep}`));
    expect(rawCopies.length).toBeGreaterThan(0);
    expect(rawCopies.filter((e) => e.mode !== 0o600).map((e) => `${relative(data, e.path)} ${e.mode.toString(8)}`)).toEqual([]);
  });

  it('held no MRN in the warehouse, its WAL or anything outside the work folder at the moment of the kill', () => {
    expect(killed.canaries.filter((file) => !file.startsWith('.refloop-work'))).toEqual([]);
  });

  it('left no process of the killed job running (its staging process stops when the job dies)', () => {
    expect(killed.groupEnded).toBe(true);
  });

  it('after the next ingest succeeds, holds no MRN in any file under the data folder, and no temporary folder is left', async () => {
    expect(finished.code, finished.stderr.slice(-2000)).toBe(0);
    expect(await filesWithCanary(data)).toEqual([]);
    const left = (await walk(data)).map((e) => relative(data, e.path)).filter((p) => !WAREHOUSE_FILES.has(p) && p !== 'published' && !p.startsWith(`published${sep}`));
    expect(left).toEqual([]);
  });

  it('loaded every referral and visit under its pseudonym (the MRNs were there to be found)', async () => {
    const w = await openWarehouse({ path: join(data, 'warehouse.duckdb'), timezone: BASE_CONFIG.timezone, readOnly: true });
    try {
      const [counts] = await w.query<{ referrals: number; visits: number }>(
        'SELECT (SELECT count(*)::INTEGER FROM referrals) AS referrals, (SELECT count(*)::INTEGER FROM visits) AS visits',
      );
      expect(counts).toEqual({ referrals: FILES * REFERRALS_PER_FILE, visits: FILES * REFERRALS_PER_FILE });
      const [first] = await w.query<{ patient_key: string }>("SELECT patient_key FROM visits WHERE visit_id = 'V0'");
      const patients = Array.from({ length: PATIENTS }, (_, n) => pseudonym(Buffer.from(KEY), mrn(n)));
      expect(patients).toContain(first!.patient_key);
    } finally {
      await w.close();
    }
  });
});

describe('a writer of the warehouse', () => {
  it('spills into the private work folder, removes what a killed job left there and in <db>.tmp when it opens, and both folders when it closes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'refloop-spill-'));
    try {
      const db = join(root, 'warehouse.duckdb');
      const work = workDirFor(db);
      // What a killed job of an older version and of this one left.
      for (const file of [`${db}.tmp/duckdb_temp_storage_DEFAULT-0.tmp`, join(work, 'staging-x1/spill/duckdb_temp_storage_S32K-0.tmp'), join(work, 'warehouse-spill/duckdb_temp_storage_DEFAULT-0.tmp')]) {
        await mkdir(join(file, '..'), { recursive: true });
        await writeFile(file, mrn(1));
      }
      const w = await openWarehouse({ path: db, timezone: 'UTC', pseudonymKey: TEST_KEY });
      try {
        const [setting] = await w.query<{ dir: string }>("SELECT current_setting('temp_directory') AS dir");
        expect(setting!.dir).toBe(join(work, 'warehouse-spill'));
        const beside = (await walk(root)).filter((e) => !e.path.startsWith(db));
        expect(beside.map((e) => `${relative(root, e.path)} ${e.mode.toString(8)}`).sort()).toEqual(['.refloop-work 700', '.refloop-work/warehouse-spill 700']);
        // An ingest empties the work folder when it starts and ends, but the warehouse still spills into it (a transform comes next).
        await ingestInbox(w, parseConfig(BASE_CONFIG), join(root, 'no-inbox'), await startRun(w, 'ingest'), { workDir: work, settleSeconds: 0 });
        await w.run("SET memory_limit = '64MB'");
        await w.run('CREATE TEMP TABLE spilled AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(2000000)');
        expect((await readdir(join(work, 'warehouse-spill'))).filter(isSpillFile).length).toBeGreaterThan(0);
      } finally {
        await w.close();
      }
      expect(await readdir(root)).toEqual(['warehouse.duckdb']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
