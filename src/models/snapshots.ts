// Parquet snapshots for the site's loaders and analysts' other tools: readers
// never need the warehouse (which one writer may hold). Each file is written
// under a temporary name and renamed, so a reader sees the old snapshot or
// the new one, never half of one.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sqlString } from '../contracts/value-sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

/** A snapshot: a table by name, or a query. */
export type Snapshot = string | { name: string; sql: string };

export async function publishSnapshots(warehouse: Warehouse, snapshots: Snapshot[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const snapshot of snapshots) {
    const { name, sql } = typeof snapshot === 'string' ? { name: snapshot, sql: `SELECT * FROM "${snapshot}"` } : snapshot;
    const target = join(dir, `${name}.parquet`);
    const temporary = `${target}.writing-${process.pid}`;
    try {
      await warehouse.run(`COPY (${sql}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    written.push(target);
  }
  return written;
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
