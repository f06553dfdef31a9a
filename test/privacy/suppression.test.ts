import { describe, expect, it } from 'vitest';
import { suppressedRate, suppressTable } from '../../src/privacy/suppression.ts';

const table = (rows: Record<string, Record<string, number>>) =>
  Object.entries(rows).flatMap(([row, columns]) => Object.entries(columns).map(([column, count]) => ({ row, column, count })));

const shown = (cells: ReturnType<typeof suppressTable>) =>
  Object.fromEntries(cells.map((c) => [`${c.row}/${c.column}`, c.shown]));

describe('small-cell suppression', () => {
  it('hides counts from 1 to min_cell_size − 1, but not 0 or min_cell_size', () => {
    const cells = suppressTable(table({ medicare: { cardiology: 0, imaging: 11 }, medicaid: { cardiology: 10, imaging: 1 } }), 11);
    expect(cells.filter((c) => c.suppressed === 'primary').map((c) => `${c.row}/${c.column}`)).toEqual(['medicaid/cardiology', 'medicaid/imaging']);
  });

  it('adds a complementary cell wherever a row or column would otherwise give a hidden cell away', () => {
    // Row totals and column totals are published; 4 alone in its row and column would be recoverable.
    const cells = suppressTable(table({ '18-34': { a: 4, b: 30, c: 50 }, '35-49': { a: 20, b: 25, c: 60 }, '50-64': { a: 40, b: 45, c: 70 } }), 11);
    expect(shown(cells)).toEqual({
      '18-34/a': null, // primary
      '18-34/b': null, // complementary in its row (smallest left)
      '18-34/c': 50,
      '35-49/a': null, // complementary in column a
      '35-49/b': null, // then column b and row 35-49 each had one hidden: complementary
      '35-49/c': 60,
      '50-64/a': 40,
      '50-64/b': 45,
      '50-64/c': 70,
    });
    // No row or column is left with exactly one hidden cell.
    for (const key of ['row', 'column'] as const) {
      const hidden = new Map<string, number>();
      for (const c of cells) if (c.shown === null) hidden.set(c[key], (hidden.get(c[key]) ?? 0) + 1);
      for (const n of hidden.values()) expect(n).not.toBe(1);
    }
  });

  it('suppresses a rate whose numerator or denominator is suppressed', () => {
    const cell = (count: number, hidden: boolean) => ({ row: 'r', column: 'c', count, shown: hidden ? null : count, suppressed: hidden ? ('primary' as const) : null });
    expect(suppressedRate(cell(5, true), cell(40, false))).toBeNull();
    expect(suppressedRate(cell(20, false), cell(40, true))).toBeNull();
    expect(suppressedRate(cell(20, false), cell(40, false))).toBe(0.5);
  });
});
