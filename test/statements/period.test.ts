// The period of a referrer statement: its days, the period before it and the
// same period a year earlier, and a period not over cut to its days so far.
import { describe, expect, it } from 'vitest';
import { parsePeriod, soFar } from '../../src/statements/period.ts';

describe('the period of a statement', () => {
  it('reads a quarter, a month and a year, each with the period before it and last year', () => {
    expect(parsePeriod({ period: '2026-Q4' })).toMatchObject({
      label: '2026-Q4',
      title: 'Q4 2026 (1 Oct 2026 – 31 Dec 2026)',
      from: '2026-10-01',
      to: '2027-01-01',
      previous: { from: '2026-07-01', to: '2026-10-01' },
      lastYear: { from: '2025-10-01', to: '2026-01-01' },
    });
    expect(parsePeriod({ period: '2026-Q1' })).toMatchObject({ from: '2026-01-01', to: '2026-04-01', previous: { from: '2025-10-01', to: '2026-01-01' } });
    expect(parsePeriod({ period: '2026-03' })).toMatchObject({ from: '2026-03-01', to: '2026-04-01', previous: { from: '2026-02-01', to: '2026-03-01' }, lastYear: { from: '2025-03-01', to: '2025-04-01' } });
    expect(parsePeriod({ period: '2025' })).toMatchObject({ from: '2025-01-01', to: '2026-01-01', previous: { from: '2024-01-01', to: '2025-01-01' } });
  });

  it('reads --from and --to as the days a person means, the last one included', () => {
    expect(parsePeriod({ from: '2026-11-01', to: '2026-11-14' })).toMatchObject({
      label: '2026-11-01_2026-11-14',
      from: '2026-11-01',
      to: '2026-11-15',
      previous: { from: '2026-10-18', to: '2026-11-01' },
      lastYear: { from: '2025-11-01', to: '2025-11-15' },
    });
    expect(parsePeriod({ from: '2026-11-01', to: '2026-11-01' })).toMatchObject({ to: '2026-11-02', previous: { from: '2026-10-31' } });
  });

  it('refuses what it cannot read, saying what it wants', () => {
    expect(() => parsePeriod({ period: '2026-Q5' })).toThrow(/--period must be a quarter \(2026-Q4\)/);
    expect(() => parsePeriod({ period: '2026-13' })).toThrow(/--period must be/);
    expect(() => parsePeriod({ from: '2026-02-30', to: '2026-03-01' })).toThrow(/--from must be a date/);
    expect(() => parsePeriod({ from: '2026-03-02', to: '2026-03-01' })).toThrow(/before --from/);
    expect(() => parsePeriod({ from: '2026-03-01' })).toThrow(/both --from and --to/);
    expect(() => parsePeriod({ period: '2026-Q4', from: '2026-10-01', to: '2026-10-31' })).toThrow(/not both/);
  });

  it('cuts a period not over to its days so far, and the others to as many of their first days', () => {
    const cut = soFar(parsePeriod({ period: '2026-Q4' }), '2026-11-23');
    expect(cut).toMatchObject({
      label: '2026-Q4',
      title: 'Q4 2026 so far (1 Oct 2026 – 22 Nov 2026)',
      from: '2026-10-01',
      to: '2026-11-23',
      // 53 days: 1 Jul + 53 = 23 Aug.
      previous: { from: '2026-07-01', to: '2026-08-23' },
      lastYear: { from: '2025-10-01', to: '2025-11-23' },
    });
    // Over at as_of: as it was. Not begun: refused.
    expect(soFar(parsePeriod({ period: '2026-Q3' }), '2026-10-01')).toMatchObject({ to: '2026-10-01', previous: { to: '2026-07-01' } });
    expect(() => soFar(parsePeriod({ period: '2027-Q1' }), '2026-11-23')).toThrow(/has not begun/);
    expect(() => soFar(parsePeriod({ period: '2026-Q4' }), '2026-10-01')).toThrow(/has not begun/);
  });
});
