// DuckDB settings for the length of the NPPES pass, restored afterwards.
//
// The pass numbers records in file order (a streaming window), so DuckDB runs
// it as one ordered stream whatever its thread count. Measured on a 1 GB
// national-shaped file (906,000 records, 2 cores): with 2 threads it spent
// 25–30 s of CPU against 15–16 s with 1, and took longer, since the parallel
// CSV reader's extra work must then be put back in order; memory stayed near
// 200 MB either way. One thread also leaves the other cores to the record
// count that runs beside it in Node.
import { sqlString } from '../../contracts/value-sql.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

export const PASS_SETTINGS: Readonly<Record<string, string>> = { threads: '1' };

export async function withSettings<T>(warehouse: Warehouse, settings: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  const names = Object.keys(settings);
  const before = await warehouse.query<{ name: string; value: string }>(
    `SELECT name, value FROM duckdb_settings() WHERE name IN (${names.map(sqlString).join(', ')})`,
  );
  for (const [name, value] of Object.entries(settings)) await warehouse.run(`SET ${name} = ${sqlString(value)}`);
  try {
    return await work();
  } finally {
    for (const { name, value } of before) await warehouse.run(`SET ${name} = ${sqlString(value)}`);
  }
}
