// NPI validation (the refloop_npi_is_valid macro the ingest uses): ten digits
// whose last is the Luhn check digit over 80840 followed by the first nine.
// The built-in cases always run; the public test-vector file is read when it
// sits beside the repository.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await openWarehouse({ path: ':memory:', timezone: 'UTC' });
});
afterAll(async () => {
  await warehouse.close();
});

/** The macro's verdict for each input, looked up by input (not by row order). */
async function verdicts(inputs: readonly (string | null)[]): Promise<Map<string | null, boolean>> {
  const values = inputs.map((v) => (v === null ? '(NULL::VARCHAR)' : `('${v.replaceAll("'", "''")}')`)).join(', ');
  const rows = await warehouse.query<{ input: string | null; valid: boolean }>(
    `SELECT input, refloop_npi_is_valid(input) AS valid FROM (VALUES ${values}) AS v(input)`,
  );
  return new Map(rows.map((r) => [r.input, r.valid]));
}

// Check digits worked by hand: the prefix 80840 adds 24 to the Luhn sum, and
// the 1st, 3rd, 5th, 7th and 9th digits are doubled (a doubled digit above 9
// counts its digit sum). 123456789 → 3 is the worked example CMS publishes.
const VALID = [
  '1234567893', // CMS's example: doubled 1,3,5,7,9 → 2,6,1,5,9; 24 + 23 + (2+4+6+8) = 67 → 3
  '0000000006', // only the prefix: 24 → 6
  '1000000004', // 1 doubled: 24 + 2 = 26 → 4
  '9999999995', // every 9 counts 9 (doubled 18 → 9): 24 + 81 = 105 → 5
  '1987654328', // doubled 1,8,6,4,2 → 2,7,3,8,4; 24 + 24 + (9+7+5+3) = 72 → 8
  '2718281829', // doubled 2,1,2,1,2 → 4,2,4,2,4; 24 + 16 + (7+8+8+8) = 71 → 9
];

describe('NPI check digit (built-in cases)', () => {
  it('accepts ten digits ending in the Luhn check digit over 80840 and the first nine', async () => {
    const got = await verdicts(VALID);
    expect(VALID.filter((npi) => got.get(npi) !== true)).toEqual([]);
  });

  it('rejects each valid NPI with its check digit off by one either way', async () => {
    const nearMisses = VALID.flatMap((npi) => {
      const body = npi.slice(0, 9);
      const check = Number(npi[9]);
      return [`${body}${(check + 1) % 10}`, `${body}${(check + 9) % 10}`];
    });
    const got = await verdicts(nearMisses);
    expect(nearMisses.filter((npi) => got.get(npi) !== false)).toEqual([]);
  });

  it('rejects a number that passes plain Luhn but not Luhn with the 80840 prefix', async () => {
    // 1234567897 and 1987654322 are valid Luhn numbers on their own (a card-style check); the prefix moves the check digit.
    const got = await verdicts(['1234567897', '1987654322']);
    expect([got.get('1234567897'), got.get('1987654322')]).toEqual([false, false]);
  });

  it('rejects two adjacent digits swapped', async () => {
    const got = await verdicts(['2134567893']);
    expect(got.get('2134567893')).toBe(false);
  });

  it('rejects anything but exactly ten digits, and null', async () => {
    const inputs = ['123456789', '12345678930', '123456789A', '1234-56789', '', null];
    const got = await verdicts(inputs);
    expect(inputs.map((i) => got.get(i))).toEqual([false, false, false, false, false, false]);
  });
});

const VECTORS = join(import.meta.dirname, '../../../shared/reference/npi_test_vectors.csv');

describe.skipIf(!existsSync(VECTORS))('NPI public test vectors (skipped: ../shared/reference/npi_test_vectors.csv is not beside the repository)', () => {
  it('agrees with all NPI test vectors (expected verdict, or the Luhn answer where the source gave none)', async () => {
    const rows: { input: string; expected_valid: string; computed_luhn_valid: string }[] = parse(readFileSync(VECTORS), { columns: true });
    expect(rows.length).toBeGreaterThanOrEqual(450);
    const got = await verdicts(rows.map((r) => r.input));
    const disagreements = rows.filter((r) => got.get(r.input) !== ((r.expected_valid || r.computed_luhn_valid) === 'True'));
    expect(disagreements).toEqual([]);
  });
});
