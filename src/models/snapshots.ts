// The marts as Parquet snapshots, for the site's loaders and analysts' other
// tools: readers never need the warehouse (which one writer may hold). Each
// file is written under a temporary name and renamed, so a reader sees the
// old snapshot or the new one, never half of one.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sqlString } from '../contracts/value-sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export async function publishSnapshots(warehouse: Warehouse, tables: string[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const table of tables) {
    const target = join(dir, `${table}.parquet`);
    const temporary = `${target}.writing-${process.pid}`;
    try {
      await warehouse.run(`COPY (SELECT * FROM "${table}") TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    written.push(target);
  }
  return written;
}
