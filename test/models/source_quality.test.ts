// source_quality: the trailing window, each rate over its own denominator, and the shrunk conversion.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('source_quality');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('source_quality', () => {
  // as_of 2026-06-01 00:00 EDT; 365 × 24 hours earlier is 2025-06-01 00:00 EDT.
  const asOf = '2026-06-01';

  it('takes referrals received within the window, both ends included', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'AT-START', received_at: '2025-06-01 00:00', referring_npi: '1234567893' },
          { referral_id: 'BEFORE', received_at: '2025-05-31 23:59:59', referring_npi: '1234567893' },
          { referral_id: 'AT-AS-OF', received_at: '2026-06-01 00:00', referring_npi: '1234567893' },
          { referral_id: 'AFTER', received_at: '2026-06-01 00:00:01', referring_npi: '1234567893' },
          { referral_id: 'NO-NPI', received_at: '2026-01-01 00:00', referring_npi: null },
        ],
      },
      asOf,
    );
    expect(await w.query("SELECT source, referrals::INTEGER AS referrals, strftime(last_referral_at, '%Y-%m-%d %H:%M') AS last_referral_at FROM source_quality ORDER BY source")).toEqual([
      { source: '1234567893', referrals: 2, last_referral_at: '2026-06-01 00:00' },
      { source: 'unknown', referrals: 1, last_referral_at: '2026-01-01 00:00' },
    ]);
  });

  it('computes each rate over its own denominator', async () => {
    const npi = '1234567893';
    const referral = (referral_id: string, extra: Row = {}) => ({ referral_id, referring_npi: npi, patient_key: referral_id, ...extra });
    w = await buildWith(
      {
        referrals: [
          // Four in scope and matured (received > 90 days before as_of), one out of scope.
          referral('A', { received_at: '2026-01-05 09:00' }),
          referral('B', { received_at: '2026-01-05 09:00', documents: ['clinical_notes'] }),
          referral('C', { received_at: '2026-01-05 09:00' }),
          referral('D', { received_at: '2026-01-05 09:00' }),
          referral('E', { received_at: '2026-01-05 09:00', service_line: 'dermatology' }),
          // In scope but not matured: left out of conversion.
          referral('F', { received_at: '2026-05-20 09:00' }),
        ],
        appointments: [
          { appointment_id: 'A1', referral_id: 'A', patient_key: 'A', booked_at: '2026-01-06 09:00', start_at: '2026-01-20 09:00', status: 'completed' },
          { appointment_id: 'B1', referral_id: 'B', patient_key: 'B', booked_at: '2026-01-06 09:00', start_at: '2026-01-21 09:00', status: 'no_show' },
          { appointment_id: 'B2', referral_id: 'B', patient_key: 'B', booked_at: '2026-01-22 09:00', start_at: '2026-01-30 09:00', status: 'completed' },
          { appointment_id: 'C1', referral_id: 'C', patient_key: 'C', booked_at: '2026-01-06 09:00', start_at: '2026-01-25 09:00', status: 'cancelled' },
          { appointment_id: 'F1', referral_id: 'F', patient_key: 'F', booked_at: '2026-05-21 09:00', start_at: '2026-06-15 09:00', status: 'booked' },
        ],
        visits: [
          { visit_id: 'VA', appointment_id: 'A1', patient_key: 'A', visit_at: '2026-01-20 09:00', summary_sent_at: '2026-01-22 09:00' },
          { visit_id: 'VB', appointment_id: 'B2', patient_key: 'B', visit_at: '2026-01-30 09:00' },
        ],
      },
      asOf,
    );
    const [row] = await w.query<Record<string, number>>(
      `SELECT referrals::INTEGER AS referrals, in_scope_rate, complete_at_receipt_rate, conversion_denominator::INTEGER AS conversion_denominator,
              conversions::INTEGER AS conversions, conversion_rate, no_show_rate, median_days_to_appointment, loop_closure_rate
       FROM source_quality`,
    );
    expect(row).toEqual({
      referrals: 6,
      in_scope_rate: 5 / 6,
      complete_at_receipt_rate: 4 / 5, // B's packet lacked the insurance card
      conversion_denominator: 4, // A, B, C, D (F is not matured, E is out of scope)
      conversions: 2, // A and B had visits within 90 days
      conversion_rate: 0.5,
      no_show_rate: 1 / 3, // A1 completed, B1 no-show, B2 completed started; C1 cancelled, F1 not started
      median_days_to_appointment: 16, // A: 15 days, B: 16 days (B1 no-show is its first), F: 26 days
      loop_closure_rate: 0.5, // A closed, B not
    });
  });

  it('shrinks a small source toward the overall rate more than a large one, with a wider interval', async () => {
    const referrals: Row[] = [];
    const visits: Row[] = [];
    // Source S-BIG: 40 matured referrals, 20 converted; S-SMALL: 2 matured, both converted; five other sources at 50%.
    const add = (npi: string, n: number, converted: number) => {
      for (let i = 0; i < n; i++) {
        const id = `${npi}-${i}`;
        referrals.push({ referral_id: id, patient_key: id, referring_npi: npi, received_at: '2026-01-05 09:00' });
        if (i < converted) visits.push({ visit_id: `V-${id}`, patient_key: id, visit_at: '2026-01-20 09:00' });
      }
    };
    add('1234567893', 40, 20);
    add('1245319599', 2, 2);
    for (const npi of ['1003142399', '1013090240', '1043467608', '1053975268', '1063410173']) add(npi, 10, 5);
    w = await buildWith({ referrals, visits }, asOf);
    const rows = await w.query<{ source: string; conversion_rate: number; conversion_shrunk: number; conversion_shrunk_low: number; conversion_shrunk_high: number }>(
      "SELECT source, conversion_rate, conversion_shrunk, conversion_shrunk_low, conversion_shrunk_high FROM source_quality WHERE source IN ('1234567893', '1245319599') ORDER BY source",
    );
    const [big, small] = rows;
    // Overall rate 47/92. The six sources with 5+ matured referrals are all at
    // 50%, so their spread is pure binomial noise and the prior falls back to
    // strength 20: posterior = (47/92 × 20 + conversions) / (20 + n).
    const prior = 47 / 92;
    expect(small!.conversion_rate).toBe(1);
    expect(small!.conversion_shrunk).toBeCloseTo((prior * 20 + 2) / 22, 10);
    expect(big!.conversion_shrunk).toBeCloseTo((prior * 20 + 20) / 60, 10);
    expect(small!.conversion_shrunk_high - small!.conversion_shrunk_low).toBeGreaterThan(big!.conversion_shrunk_high - big!.conversion_shrunk_low);
    // The 95% interval of the beta posterior, normal approximation: ± 1.96 √(s(1 − s) / (strength + 1)).
    const s = (prior * 20 + 20) / 60;
    expect(big!.conversion_shrunk_low).toBeCloseTo(s - 1.96 * Math.sqrt((s * (1 - s)) / 61), 10);
    expect(big!.conversion_shrunk_high).toBeCloseTo(s + 1.96 * Math.sqrt((s * (1 - s)) / 61), 10);
  });

  it('keeps the default prior strength of 20 with fewer than five sources of 5+ matured referrals, however spread', async () => {
    // Four sources of 10 matured referrals at 0%, 100%, 0% and 100%: far more spread than noise, but only four.
    const referrals: Row[] = [];
    const visits: Row[] = [];
    ['1234567893', '1245319599', '1003142399', '1013090240'].forEach((npi, s) => {
      for (let i = 0; i < 10; i++) {
        const id = `${npi}-${i}`;
        referrals.push({ referral_id: id, patient_key: id, referring_npi: npi, received_at: '2026-01-05 09:00' });
        if (s % 2 === 1) visits.push({ visit_id: `V-${id}`, patient_key: id, visit_at: '2026-01-20 09:00' });
      }
    });
    w = await buildWith({ referrals, visits }, asOf);
    expect(await w.query("SELECT conversion_shrunk FROM source_quality WHERE source = '1245319599'")).toEqual([{ conversion_shrunk: expect.closeTo((0.5 * 20 + 10) / 30, 10) }]);
  });
});
