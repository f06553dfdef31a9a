// DuckDB settings for the length of the NPPES pass, restored afterwards.
//
// The pass numbers records in file order (a streaming window), so DuckDB runs
// it as one ordered stream whatever its thread count: more threads spend
// more CPU and take longer, since the parallel CSV reader's extra work must
// then be put back in order. One thread also leaves the other cores to the
// record count that runs beside it in Node.
import { quotedString } from '../../warehouse/sql.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

export const PASS_SETTINGS: Readonly<Record<string, string>> = { threads: '1' };

export async function withSettings<T>(warehouse: Warehouse, settings: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  const names = Object.keys(settings);
  const before = await warehouse.query<{ name: string; value: string }>(
    `SELECT name, value FROM duckdb_settings() WHERE name IN (${names.map(quotedString).join(', ')})`,
  );
  for (const [name, value] of Object.entries(settings)) await warehouse.run(`SET ${name} = ${quotedString(value)}`);
  try {
    return await work();
  } finally {
    for (const { name, value } of before) await warehouse.run(`SET ${name} = ${quotedString(value)}`);
  }
}
