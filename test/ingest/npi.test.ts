// NPI validation agrees with every public test vector in shared/reference.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';

const VECTORS = join(import.meta.dirname, '../../../shared/reference/npi_test_vectors.csv');

it('agrees with all NPI test vectors (expected verdict, or the Luhn answer where the source gave none)', async () => {
  const rows: { input: string; expected_valid: string; computed_luhn_valid: string }[] = parse(readFileSync(VECTORS), { columns: true });
  expect(rows.length).toBeGreaterThanOrEqual(450);
  const warehouse = await openWarehouse({ path: ':memory:', timezone: 'UTC' });
  try {
    const inputs = rows.map((r) => `('${r.input.replaceAll("'", "''")}')`).join(', ');
    const verdicts = await warehouse.query<{ input: string; valid: boolean }>(
      `SELECT input, refloop_npi_is_valid(input) AS valid FROM (VALUES ${inputs}) AS v(input)`,
    );
    const disagreements = rows.filter((r, i) => {
      const expected = (r.expected_valid || r.computed_luhn_valid) === 'True';
      return verdicts[i]!.valid !== expected;
    });
    expect(disagreements).toEqual([]);
  } finally {
    await warehouse.close();
  }
});
