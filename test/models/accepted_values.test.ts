// A model's @accepted_values for a column the input contract closes
// (urgency, referral_type, channel, …) must be the contract's own list: the
// list is declared once, in src/contracts/extracts.ts, and a header that
// drifts from it would pass a new code or refuse a valid one.
import { describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { CONTRACTS } from '../../src/contracts/extracts.ts';
import { readModels } from '../../src/models/model-file.ts';

/** Every enum column of the extracts, by name, with its values (a name two kinds share must mean one list). */
function contractEnums(): Map<string, readonly string[]> {
  const enums = new Map<string, readonly string[]>();
  for (const contract of CONTRACTS) {
    for (const column of contract.columns) {
      if (column.type.kind !== 'enum') continue;
      const known = enums.get(column.name);
      if (known && known.join('|') !== column.type.values.join('|')) throw new Error(`${column.name}: two kinds give it different lists`);
      enums.set(column.name, column.type.values);
    }
  }
  return enums;
}

describe('accepted values against the input contract', () => {
  it('has every @accepted_values of a contract column equal to the contract list', async () => {
    const enums = contractEnums();
    const models = await readModels(SQL_DIR);
    const checked = models.flatMap((m) =>
      m.checks.filter((c) => c.kind === 'accepted_values' && enums.has(c.columns[0]!)).map((c) => ({ model: m.name, column: c.columns[0]!, values: c.values })),
    );
    // The check can fail: fct_referrals closes urgency and referral_type.
    expect(checked.map((c) => `${c.model}.${c.column}`)).toEqual(expect.arrayContaining(['fct_referrals.urgency', 'fct_referrals.referral_type']));
    for (const c of checked) expect(c.values, `${c.model}.${c.column}`).toEqual([...enums.get(c.column)!]);
  });
});
