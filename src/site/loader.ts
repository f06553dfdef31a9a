// What every data loader of the site shares: it reads the published Parquet
// snapshots (never the warehouse, which a running job may hold), writes one
// JSON document to stdout, logs only to stderr, and exits non-zero on failure
// or empty output so the publish fails instead of showing stale numbers.
// It reads one whole snapshot set: the files its manifest lists (a monthly
// snapshot's months as one view), each holding the rows the manifest says (a file swapped in from elsewhere, or
// cut short, fails the loader). A loader only selects: each of its queries
// is a file of reports/data/sql/, a plain select from a mart (the marts
// compute; a page lays out and filters).
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type Json } from '@duckdb/node-api';
import { sqlString } from '../contracts/value-sql.ts';
import { entryFiles, entryTable, readSnapshotSet } from '../models/snapshots.ts';
import { projectRoot } from '../project-root.ts';

export const publishedDir = () => resolve(process.env.REFLOOP_PUBLISHED_DIR ?? 'data/published');

export type Query = <T = Record<string, Json>>(sql: string) => Promise<T[]>;
/** The rows of a loader's select, reports/data/sql/<name>.sql. */
export type Select = <T = Record<string, Json>>(name: string) => Promise<T[]>;

/** Where the loaders' selects are: found from the project's root, so that the bundle (build/) finds them as src/ does. */
export const selectsDir = () => join(projectRoot(), 'reports/data/sql');

const selectOf =
  (query: Query): Select =>
  async (name) => {
    try {
      return await query(await readFile(join(selectsDir(), `${name}.sql`), 'utf8'));
    } catch (error) {
      // A set written by an older refloop lacks the marts added since: say what to run, not DuckDB's catalog words.
      const missing = /Table with name (\w+) does not exist/.exec((error as Error).message)?.[1];
      if (missing) throw new Error(`the published snapshots have no ${missing} (written by an older transform): run \`refloop transform\` (or \`refloop run --publish\`), then publish`);
      throw error;
    }
  };

const INTEGER_TYPES = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.DECIMAL]);

export async function runLoader(name: string, load: (select: Select, query: Query) => Promise<Record<string, unknown>>): Promise<void> {
  try {
    const snapshots = await openSnapshots();
    try {
      const data = await load(selectOf(snapshots.query), snapshots.query);
      const empty = Object.values(data).every((v) => v === null || (Array.isArray(v) && v.length === 0));
      if (empty) throw new Error('no data: run `refloop run` before publishing');
      process.stdout.write(JSON.stringify(data));
    } finally {
      snapshots.close();
    }
  } catch (error) {
    process.stderr.write(`data loader ${name} failed: ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
}

export interface Snapshots {
  /** Rows as JSON; whole numbers (BIGINT, DECIMAL) as numbers, not strings. */
  query: Query;
  close(): void;
}

/** A throwaway DuckDB with a view per file of the published snapshot set, in the practice's time zone. */
export async function openSnapshots(dir = publishedDir()): Promise<Snapshots> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    const [timezone] = await viewsOverSnapshots(connection, dir);
    if (timezone) await connection.run(`SET TimeZone = ${sqlString(timezone)}`);
  } catch (error) {
    close();
    throw error;
  }
  const query: Query = async (sql) => {
    const reader = await connection.runAndReadAll(sql);
    const numeric = reader.columnNames().filter((_, i) => INTEGER_TYPES.has(reader.columnTypes()[i]!.typeId));
    const rows = reader.getRowObjectsJson();
    for (const row of rows) for (const c of numeric) if (row[c] !== null) row[c] = Number(row[c]);
    return rows as never;
  };
  return { query, close };
}

/**
 * A view per snapshot of the set, its rows as the warehouse's mart (without
 * the snapshots' practice column: a site is one practice's); returns the
 * practice's time zone from config_params.
 */
async function viewsOverSnapshots(connection: Awaited<ReturnType<DuckDBInstance['connect']>>, dir = publishedDir()): Promise<[string | undefined]> {
  const set = await readSnapshotSet(dir);
  const paths = set.manifest.files.map((entry) => entryFiles(entry).map((f) => ({ ...f, path: join(set.dir, f.path) })));
  const counts = await fileRowCounts(connection, paths.flat().map((f) => f.path));
  const exclude = set.manifest.practice_id === undefined ? '' : ' EXCLUDE (practice)';
  for (const [i, entry] of set.manifest.files.entries()) {
    for (const { path, rows } of paths[i]!) {
      const found = counts.get(path);
      if (found !== rows) throw new Error(`snapshot ${relative(set.dir, path)} holds ${String(found)} rows, but its set's manifest says ${rows}`);
    }
    // The months' files listed, not a glob: the view reads exactly what the manifest counted.
    const files = `[${paths[i]!.map((f) => sqlString(f.path)).join(', ')}]`;
    await connection.run(`CREATE VIEW "${entryTable(entry)}" AS SELECT *${exclude} FROM read_parquet(${files}, hive_partitioning = false)`);
  }
  if (!set.manifest.files.some((f) => f.name === 'config_params.parquet')) return [undefined];
  const reader = await connection.runAndReadAll('SELECT timezone FROM config_params');
  return [reader.getRowObjectsJson()[0]?.timezone as string | undefined];
}

/** The rows of each Parquet file, read from the files' footers in one query. */
async function fileRowCounts(connection: Awaited<ReturnType<DuckDBInstance['connect']>>, paths: string[]): Promise<Map<string, number>> {
  const reader = await connection.runAndReadAll(`SELECT file_name, num_rows::BIGINT AS n FROM parquet_file_metadata([${paths.map(sqlString).join(', ')}])`);
  return new Map(reader.getRowObjectsJson().map((r) => [String(r.file_name), Number(r.n)]));
}
