// Parquet snapshots for the site's loaders and analysts' other tools: readers
// never need the warehouse (which one writer may hold).
//
// The snapshots are a set: the marts, config_params, the run records and
// check results of one transform, with a manifest (manifest.json: the run,
// as_of, every file and its row count). A reader sees one whole set or the
// one before it, never files from two transforms.
//
// How a set is swapped in. `published` must stay the name readers use, and on
// Linux (measured on ext4) rename() cannot put a folder where a non-empty
// folder is (ENOTEMPTY), so replacing a folder takes two renames: a reader
// listing `published` while 20,000 sets were swapped that way found it
// missing in 4,140 of 45,291 looks. rename() of a symlink onto a symlink
// replaces it in one step: 0 misses in 78,389 looks. So `published` is a
// symlink to the current set's folder, `.published-<pid>-<hex>` beside it; a
// new set is written whole into a new folder (its manifest last, every file
// synced), and a new symlink is renamed onto `published`. The previous set is
// removed only after that rename succeeded. A killed writer leaves a folder
// nothing points at, named with its pid; the next writer removes it.
//
// The marts that grow with history (MONTHLY_SNAPSHOTS) are hive folders by
// local month, `<mart>/month=2026-11/data_0.parquet`, so a query over many
// months or practices reads only the months it filters on; the rest are one
// file each. Every row carries the practice's id (a `practice` column: config
// practice_id) and
// every file its practice, time zone, refloop version, as_of and run in its
// Parquet key-value metadata: snapshots of several practices, read together
// by one glob, say whose each row is and what wrote it (docs/scaling.md).
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_PRACTICE_ID } from '../config/schema.ts';
import { sqlString } from '../contracts/value-sql.ts';
import { projectRoot } from '../project-root.ts';
import { isAlive } from '../warehouse/lock.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

/**
 * A snapshot: a table by name, or a query. `month` (an SQL expression over
 * its rows, `s`) writes it as monthly hive folders; a table named in
 * MONTHLY_SNAPSHOTS gets its month from there.
 */
export type Snapshot = string | { name: string; sql: string; month?: string };

/**
 * The marts with a row per referral (or per referral and document) or per
 * week of all history: the month of each row, local (the marts' dates and
 * weeks are local; a week is in the month of its Monday). Every other mart
 * is bounded (a window, the last year, one row per source) and stays one file.
 */
export const MONTHLY_SNAPSHOTS: Readonly<Record<string, string>> = {
  fct_referrals: 's.received_date',
  fct_referral_documents: '(SELECT r.received_date FROM fct_referrals r WHERE r.referral_id = s.referral_id)',
  funnel_weekly: 's.received_week',
  kpi_weekly: 's.week',
  kpi_signals: 's.week_start',
  time_to_event: 's.cohort_month',
};

/** The hive folder of rows without a month (and of an empty monthly snapshot's one file), as Hive, Spark and DuckDB name it. */
export const NO_MONTH = '__HIVE_DEFAULT_PARTITION__';

export const MANIFEST = 'manifest.json';

const FILE_NAME = /^[A-Za-z0-9_]+\.parquet$/;
const FOLDER_NAME = /^[A-Za-z0-9_]+$/;
const PART_NAME = /^month=(\d{4}-\d{2}|__HIVE_DEFAULT_PARTITION__)\/data_\d+\.parquet$/;
const rows = z.number().int().nonnegative();

const manifestSchema = z.object({
  // 1: every snapshot one file, no practice or metadata (sets written before monthly folders).
  format: z.union([z.literal(1), z.literal(2)]),
  run_id: z.number().int(),
  as_of: z.string().nullable(),
  written_at: z.string(),
  practice_id: z.string().optional(),
  timezone: z.string().nullable().optional(),
  refloop_version: z.string().optional(),
  files: z
    .array(
      z.union([
        z.object({ name: z.string().regex(FILE_NAME), rows }).strict(),
        z.object({ name: z.string().regex(FOLDER_NAME), rows, partitioned_by: z.literal('month'), parts: z.array(z.object({ name: z.string().regex(PART_NAME), rows }).strict()).min(1) }).strict(),
      ]),
    )
    .min(1),
});

export type SnapshotManifest = z.infer<typeof manifestSchema>;
export type SnapshotEntry = SnapshotManifest['files'][number];

/** The Parquet files of a manifest entry, relative to the set's folder: the file, or its months' files. */
export const entryFiles = (entry: SnapshotEntry): { path: string; rows: number }[] =>
  'parts' in entry ? entry.parts.map((p) => ({ path: `${entry.name}/${p.name}`, rows: p.rows })) : [{ path: entry.name, rows: entry.rows }];

/** The table a manifest entry is a snapshot of. */
export const entryTable = (entry: SnapshotEntry): string => entry.name.replace(/\.parquet$/, '');

/** refloop's version (package.json), written into every snapshot file. */
export const REFLOOP_VERSION: string = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** A folder at the snapshot path that is not a whole set: publish and the loaders refuse it. */
export class SnapshotSetError extends Error {}

export interface PublishedSet {
  /** The set's own folder (what `published` points to). */
  dir: string;
  manifest: SnapshotManifest;
  /** Each snapshot as readers name it, through the `published` link: its file, or its folder of months. */
  files: string[];
}

/**
 * Writes the snapshots as a new set and swaps it in as `link` (e.g.
 * data/published). On failure the previous set stays in place, whole, and
 * the new folder is removed. One writer at a time (the writer lock).
 * `practiceId` (config practice_id) names the practice in every row and file.
 */
export async function publishSnapshotSet(
  warehouse: Warehouse,
  snapshots: Snapshot[],
  link: string,
  options: { runId: number; practiceId?: string },
): Promise<PublishedSet> {
  const parent = dirname(link);
  await mkdir(parent, { recursive: true });
  await removeStaleSnapshotSets(link);
  const setDir = join(parent, `${setPrefix(link)}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(setDir);
  let manifest: SnapshotManifest;
  let previous: string | undefined;
  try {
    const { as_of, timezone } = await paramsOf(warehouse);
    const practiceId = options.practiceId ?? DEFAULT_PRACTICE_ID;
    const stamp: Record<string, string | null> = { practice: practiceId, timezone, refloop_version: REFLOOP_VERSION, as_of, run_id: String(options.runId) };
    const copy = new SnapshotCopy(warehouse, setDir, practiceId, stamp);
    const files: SnapshotEntry[] = [];
    for (const snapshot of snapshots) {
      const { name, sql, month } = typeof snapshot === 'string' ? { name: snapshot, sql: `SELECT * FROM "${snapshot}"`, month: MONTHLY_SNAPSHOTS[snapshot] } : snapshot;
      if (!FOLDER_NAME.test(name)) throw new Error(`snapshot name ${JSON.stringify(name)} is not a plain table name`);
      if (files.some((f) => entryTable(f) === name)) throw new Error(`two snapshots are named ${name}`);
      files.push(month === undefined ? await copy.file(name, sql) : await copy.months(name, sql, month));
    }
    manifest = { format: 2, run_id: options.runId, as_of, written_at: new Date().toISOString(), practice_id: practiceId, timezone, refloop_version: REFLOOP_VERSION, files };
    await writeFile(join(setDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    // Synced before the swap, files then their folders: after a power loss `published` names a set whose bytes are on disk.
    const written = files.flatMap(entryFiles).map((f) => f.path);
    const folders = [...new Set(written.flatMap((p) => ancestors(p)))].sort((a, b) => b.length - a.length);
    for (const name of [...written, MANIFEST, ...folders, '.']) await syncPath(join(setDir, name));
    previous = await swapLink(link, basename(setDir));
  } catch (error) {
    await rm(setDir, { recursive: true, force: true });
    throw error;
  }
  if (previous) await rm(previous, { recursive: true, force: true });
  return { dir: setDir, manifest, files: manifest.files.map((f) => join(link, f.name)) };
}

/** Writes snapshots into a set's folder, each row with the practice's id and each file with the set's stamp. */
class SnapshotCopy {
  private readonly options: string;
  constructor(
    private readonly warehouse: Warehouse,
    private readonly setDir: string,
    private readonly practiceId: string,
    stamp: Record<string, string | null>,
  ) {
    const metadata = Object.entries(stamp)
      .filter((e): e is [string, string] => e[1] !== null)
      .map(([k, v]) => `${k}: ${sqlString(v)}`);
    this.options = `FORMAT parquet, COMPRESSION zstd, KV_METADATA {${metadata.join(', ')}}`;
  }

  private rowsOf(sql: string, month?: string): string {
    return `SELECT ${sqlString(this.practiceId)} AS practice, s.*${month === undefined ? '' : `, strftime(${month}, '%Y-%m') AS month`} FROM (${sql}) s`;
  }

  async file(name: string, sql: string): Promise<SnapshotEntry> {
    const file = `${name}.parquet`;
    const [copied] = await this.warehouse.query<{ Count: number | string }>(`COPY (${this.rowsOf(sql)}) TO ${sqlString(join(this.setDir, file))} (${this.options})`);
    return { name: file, rows: Number(copied?.Count ?? 0) };
  }

  /** Hive folders by month; an empty snapshot is one empty file (its columns) in the no-month folder, so a glob over it still finds them. */
  async months(name: string, sql: string, month: string): Promise<SnapshotEntry> {
    const folder = join(this.setDir, name);
    const stats = await this.warehouse.query<{ filename: string; count: number | string }>(
      `COPY (${this.rowsOf(sql, month)}) TO ${sqlString(folder)} (${this.options}, PARTITION_BY (month), RETURN_STATS)`,
    );
    let parts = stats.map((s) => ({ name: s.filename.slice(folder.length + 1), rows: Number(s.count) }));
    if (!parts.length) {
      const empty = `month=${NO_MONTH}/data_0.parquet`;
      await mkdir(join(folder, dirname(empty)), { recursive: true });
      await this.warehouse.query(`COPY (${this.rowsOf(sql)} LIMIT 0) TO ${sqlString(join(folder, empty))} (${this.options})`);
      parts = [{ name: empty, rows: 0 }];
    }
    parts.sort((a, b) => a.name.localeCompare(b.name));
    return { name, rows: parts.reduce((n, p) => n + p.rows, 0), partitioned_by: 'month', parts };
  }
}

/** The folders a relative path lies in, innermost first (`a/b/c.parquet`: `a/b`, `a`). */
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); dir !== '.'; dir = dirname(dir)) out.push(dir);
  return out;
}

/**
 * Removes what killed writers left beside `link`: set folders and temporary
 * links nothing points at whose writing process is gone (or is this one,
 * which writes one set at a time). Returns the names removed.
 */
export async function removeStaleSnapshotSets(link: string): Promise<string[]> {
  const parent = dirname(link);
  const current = await currentSetDir(link);
  const removed: string[] = [];
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    const pid = writerPid(link, entry);
    if (pid === undefined || join(parent, entry) === current) continue;
    if (pid !== process.pid && isAlive(pid)) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

/**
 * The set `link` names, checked: a manifest, every file it lists, and nothing
 * else (no file left by an interrupted write). Throws a SnapshotSetError with
 * a one-line reason otherwise.
 */
export async function readSnapshotSet(link: string): Promise<PublishedSet> {
  const dir = await realpath(link).catch(() => undefined);
  if (!dir) throw new SnapshotSetError(`no published snapshots in ${link}: run \`refloop run\` first`);
  const incomplete = (why: string) =>
    new SnapshotSetError(`not published: ${link} is not a complete snapshot set (${why}); run \`refloop transform\` to write a new one`);
  const entries = await readdir(dir).catch(() => {
    throw incomplete('it is not a folder');
  });
  const leftover = entries.find((e) => /\.writing|\.tmp$/.test(e));
  if (leftover) throw incomplete(`${leftover} was left by an interrupted write`);
  if (!entries.includes(MANIFEST)) throw incomplete(`no ${MANIFEST}, which is written last`);
  let manifest: SnapshotManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')));
  } catch {
    throw incomplete(`${MANIFEST} is not a snapshot manifest`);
  }
  const listed = new Set(manifest.files.map((f) => f.name));
  const missing = [...listed].filter((name) => !entries.includes(name));
  if (missing.length) throw incomplete(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  const extra = entries.filter((e) => e !== MANIFEST && !listed.has(e));
  for (const entry of manifest.files.filter((f) => 'parts' in f)) {
    const found = await filesUnder(join(dir, entry.name));
    const parts = new Set(entryFiles(entry).map((f) => f.path));
    const absent = [...parts].filter((p) => !found.includes(p));
    if (absent.length) throw incomplete(`${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} missing`);
    extra.push(...found.filter((p) => !parts.has(p)));
  }
  if (extra.length) throw incomplete(`${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not in its ${MANIFEST}`);
  return { dir, manifest, files: manifest.files.map((f) => join(dir, f.name)) };
}

/** Every file under `folder`, as paths relative to its parent (`fct_referrals/month=2026-11/data_0.parquet`). */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => relative(dirname(folder), join(e.parentPath, e.name)));
}

/**
 * The warehouse's own record for the site's health page and dictionary:
 * runs, files (names and counts only), check results, and every column's
 * meaning. Written after a run is recorded, so the latest run is complete.
 */
export function systemSnapshots(marts: string[]): Snapshot[] {
  const list = marts.map(sqlString).join(', ');
  return [
    { name: 'config_params', sql: 'SELECT * FROM config_params' },
    { name: 'runs', sql: 'SELECT * FROM runs' },
    { name: 'ingested_files', sql: 'SELECT * FROM ingested_files' },
    { name: 'skipped_rows', sql: 'SELECT * FROM skipped_rows' },
    { name: 'redeliveries', sql: 'SELECT * FROM redeliveries' },
    { name: 'check_results', sql: 'SELECT * FROM check_results' },
    {
      name: 'dictionary',
      sql: `SELECT c.table_name, t.comment AS table_comment, c.column_name, c.data_type, c.comment AS column_comment, c.column_index
            FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
            WHERE c.database_name = current_database() AND c.table_name IN (${list})
            ORDER BY c.table_name, c.column_index`,
    },
  ];
}

/** Set folders and temporary links are `.published-<pid>-<hex>` (a link `….link`, a folder moved aside `….old`). */
const setPrefix = (link: string) => `.${basename(link)}-`;

function writerPid(link: string, entry: string): number | undefined {
  const prefix = setPrefix(link);
  if (!entry.startsWith(prefix)) return undefined;
  const match = /^(\d+)-[0-9a-f]+(\.link|\.old)?$/.exec(entry.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}

const isSetName = (link: string, entry: string) => writerPid(link, entry) !== undefined && !/\.(link|old)$/.test(entry);

/** The folder `link` points to, when it is a symlink. */
async function currentSetDir(link: string): Promise<string | undefined> {
  const target = await readlink(link).catch(() => undefined);
  return target === undefined ? undefined : resolve(dirname(link), target);
}

/**
 * Points `link` at `target` (a folder beside it) in one rename. Returns the
 * folder it pointed to before, when that was one of our sets, for removal.
 */
async function swapLink(link: string, target: string): Promise<string | undefined> {
  const name = `${setPrefix(link)}${process.pid}-${randomBytes(4).toString('hex')}`;
  const temporary = join(dirname(link), `${name}.link`);
  let previous = await currentSetDir(link);
  if (previous && (dirname(previous) !== dirname(link) || !isSetName(link, basename(previous)))) previous = undefined;
  await symlink(target, temporary);
  let movedAside: string | undefined;
  try {
    const existing = await lstat(link).catch(() => undefined);
    if (existing?.isDirectory()) {
      // A plain folder from before snapshot sets: rename() cannot put a link
      // onto a folder (EISDIR), so this once it moves aside first, and
      // `published` is missing for that moment.
      movedAside = join(dirname(link), `${name}.old`);
      await rename(link, movedAside);
      previous = movedAside;
    }
    await rename(temporary, link);
  } catch (error) {
    await rm(temporary, { force: true });
    if (movedAside) await rename(movedAside, link).catch(() => undefined);
    throw error;
  }
  await syncPath(dirname(link));
  return previous;
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** as_of and the time zone the marts were built with (config_params), when there is one. */
async function paramsOf(warehouse: Warehouse): Promise<{ as_of: string | null; timezone: string | null }> {
  const present = await warehouse.query<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'config_params' AND database_name = current_database()",
  );
  if (!present[0]?.n) return { as_of: null, timezone: null };
  const [row] = await warehouse.query<{ as_of: string | null; timezone: string | null }>(
    'SELECT CAST(max(as_of) AS VARCHAR) AS as_of, CAST(max(timezone) AS VARCHAR) AS timezone FROM config_params',
  );
  return { as_of: row?.as_of ?? null, timezone: row?.timezone ?? null };
}
