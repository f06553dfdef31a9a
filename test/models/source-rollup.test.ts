// source_rollup: the scorecard's clinicians rolled up by office and by
// organization, every count of a roll-up row the sum of its clinicians' rows.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('source_quality', 'source_rollup');

let w: Warehouse | undefined;
afterEach(async () => w?.close());

// as_of 2026-06-01 00:00 EDT; the source window starts 2025-06-01 00:00 EDT.
const asOf = '2026-06-01';
const A = '1234567893';
const B = '1245319599';
const C = '1003142399';

/** `count` referrals from one clinician on a day, the first `incomplete` of them missing the insurance card. */
function referrals(npi: string, day: string, count: number, incomplete = 0): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    referral_id: `${npi}-${day}-${i}`,
    patient_key: `${npi}-${day}-${i}`,
    referring_npi: npi,
    received_at: `${day} 10:00`,
    ...(i < incomplete ? { documents: ['clinical_notes'] } : {}),
  }));
}

const providers: Row[] = [
  { npi: A, provider_id: 'PA', name: 'Ada Adams', specialty: 'family_medicine', practice: 'Elm Street Clinic', organization: 'North Group', liaison: 'Dana' },
  { npi: B, provider_id: 'PB', name: 'Ben Brown', specialty: 'family_medicine', practice: 'Elm Street Clinic', organization: 'North Group', liaison: 'Priya' },
  { npi: C, provider_id: 'PC', name: 'Cy Chen', specialty: 'family_medicine', practice: 'Oak Clinic', organization: 'North Group', liaison: 'Dana' },
];

describe('source_rollup', () => {
  it('sums its clinicians into their office and organization, and recomputes the rates from the sums', async () => {
    w = await buildWith(
      {
        providers,
        referrals: [
          ...referrals(A, '2026-05-04', 4, 1),
          ...referrals(A, '2025-12-01', 2),
          ...referrals(B, '2026-05-05', 3, 3),
          ...referrals(C, '2026-02-02', 5, 2),
          // Received before the window opens: counted nowhere.
          ...referrals(C, '2025-05-31', 7, 7),
          // No valid NPI: a clinician row of its own, in no office.
          { referral_id: 'NO-NPI', patient_key: 'NO-NPI', referring_npi: null, received_at: '2026-04-01 10:00' },
        ],
      },
      asOf,
    );
    const got = await w.query<Record<string, unknown>>(
      `SELECT level, name, office, organization, liaison, clinicians::INTEGER AS clinicians, referrals::INTEGER AS referrals,
              last_13_weeks::INTEGER AS last_13_weeks, in_scope_count::INTEGER AS in_scope_count, incomplete_at_receipt_count::INTEGER AS incomplete_at_receipt_count,
              incomplete_at_receipt_rate, share_of_referrals, clinician_npis
       FROM source_rollup ORDER BY level, name`,
    );
    expect(got).toEqual([
      { level: 'clinician', name: 'Ada Adams', office: 'Elm Street Clinic', organization: 'North Group', liaison: 'Dana', clinicians: 1, referrals: 6, last_13_weeks: 4, in_scope_count: 6, incomplete_at_receipt_count: 1, incomplete_at_receipt_rate: 1 / 6, share_of_referrals: 6 / 14, clinician_npis: `Ada Adams (${A})` },
      { level: 'clinician', name: 'Ben Brown', office: 'Elm Street Clinic', organization: 'North Group', liaison: 'Priya', clinicians: 1, referrals: 3, last_13_weeks: 3, in_scope_count: 3, incomplete_at_receipt_count: 3, incomplete_at_receipt_rate: 1, share_of_referrals: 3 / 14, clinician_npis: `Ben Brown (${B})` },
      { level: 'clinician', name: 'Cy Chen', office: 'Oak Clinic', organization: 'North Group', liaison: 'Dana', clinicians: 1, referrals: 5, last_13_weeks: 0, in_scope_count: 5, incomplete_at_receipt_count: 2, incomplete_at_receipt_rate: 0.4, share_of_referrals: 5 / 14, clinician_npis: `Cy Chen (${C})` },
      { level: 'clinician', name: 'No valid NPI', office: null, organization: null, liaison: null, clinicians: 1, referrals: 1, last_13_weeks: 1, in_scope_count: 1, incomplete_at_receipt_count: 0, incomplete_at_receipt_rate: 0, share_of_referrals: 1 / 15, clinician_npis: null },
      { level: 'office', name: 'Elm Street Clinic', office: 'Elm Street Clinic', organization: 'North Group', liaison: 'Dana, Priya', clinicians: 2, referrals: 9, last_13_weeks: 7, in_scope_count: 9, incomplete_at_receipt_count: 4, incomplete_at_receipt_rate: 4 / 9, share_of_referrals: 9 / 14, clinician_npis: `Ada Adams (${A}), Ben Brown (${B})` },
      { level: 'office', name: 'Oak Clinic', office: 'Oak Clinic', organization: 'North Group', liaison: 'Dana', clinicians: 1, referrals: 5, last_13_weeks: 0, in_scope_count: 5, incomplete_at_receipt_count: 2, incomplete_at_receipt_rate: 0.4, share_of_referrals: 5 / 14, clinician_npis: `Cy Chen (${C})` },
      { level: 'organization', name: 'North Group', office: null, organization: 'North Group', liaison: 'Dana, Priya', clinicians: 3, referrals: 14, last_13_weeks: 7, in_scope_count: 14, incomplete_at_receipt_count: 6, incomplete_at_receipt_rate: 6 / 14, share_of_referrals: 1, clinician_npis: `Ada Adams (${A}), Cy Chen (${C}), Ben Brown (${B})` },
    ]);
  });

  it('adds up to the per-clinician rows and to source_quality at every level', async () => {
    w = await buildWith(
      {
        providers: [...providers, { npi: '1982763451', provider_id: 'PD', name: 'Di Diaz', specialty: 'cardiology', practice: null, organization: null, liaison: null }],
        referrals: [...referrals(A, '2026-03-02', 9, 4), ...referrals(B, '2025-09-01', 2, 1), ...referrals(C, '2026-05-30', 3), ...referrals('1982763451', '2026-01-12', 4, 2)],
      },
      asOf,
    );
    const sums = await w.query<Record<string, number>>(
      `SELECT level, sum(referrals)::INTEGER AS referrals, sum(in_scope_count)::INTEGER AS in_scope_count, sum(incomplete_at_receipt_count)::INTEGER AS incomplete,
              sum(conversions)::INTEGER AS conversions, sum(clinicians)::INTEGER AS clinicians
       FROM source_rollup WHERE source IS DISTINCT FROM 'unknown' GROUP BY level ORDER BY level`,
    );
    expect(sums.map(({ level, ...rest }) => [level, rest])).toEqual([
      ['clinician', { referrals: 18, in_scope_count: 18, incomplete: 7, conversions: 0, clinicians: 4 }],
      ['office', { referrals: 18, in_scope_count: 18, incomplete: 7, conversions: 0, clinicians: 4 }],
      ['organization', { referrals: 18, in_scope_count: 18, incomplete: 7, conversions: 0, clinicians: 4 }],
    ]);
    // A clinician with no office or organization on record is rolled up under a name that says so, not dropped.
    expect(await w.query("SELECT level, name FROM source_rollup WHERE level <> 'clinician' AND name LIKE 'No %' ORDER BY level")).toEqual([
      { level: 'office', name: 'No office on record' },
      { level: 'organization', name: 'No organization on record' },
    ]);
    const [quality] = await w.query<{ referrals: number }>("SELECT sum(referrals)::INTEGER AS referrals FROM source_quality WHERE source <> 'unknown'");
    expect(quality!.referrals).toBe(18);
  });
});

describe('source_rollup: windows and denominators', () => {
  it('splits the last 13 weeks from the 13 before at 91 and 182 days, and takes each rate over its own denominator', async () => {
    // as_of 2026-10-15 00:00 EDT: 91 days back is 2026-07-16 00:00, 182 days back 2026-04-16 00:00 (no clock change between).
    const r = (id: string, received_at: string, extra: Row = {}): Row => ({ referral_id: id, patient_key: id, referring_npi: A, received_at, ...extra });
    w = await buildWith(
      {
        providers,
        referrals: [
          r('LAST-IN', '2026-07-16 00:01'),
          // On the 91-day boundary: the 13 weeks before, not the last 13.
          r('LAST-EDGE', '2026-07-16 00:00'),
          r('PREV-IN', '2026-04-16 00:01', { documents: ['clinical_notes'] }),
          // On the 182-day boundary: in neither.
          r('PREV-EDGE', '2026-04-16 00:00'),
          // Its leakage window (90 days) has not passed: not yet in the conversion denominator.
          r('YOUNG', '2026-10-01 10:00'),
          // Out of scope: a referral, but in no in-scope denominator.
          r('OUT', '2026-08-01 10:00', { service_line: 'dermatology' }),
          r('SEEN', '2026-05-01 10:00'),
        ],
        visits: [{ visit_id: 'V-SEEN', referral_id: 'SEEN', patient_key: 'SEEN', visit_at: '2026-05-20 10:00', summary_sent_at: '2026-05-21 10:00' }],
      },
      '2026-10-15',
    );
    expect(
      await w.query(
        `SELECT referrals::INTEGER AS referrals, last_13_weeks::INTEGER AS last_13, previous_13_weeks::INTEGER AS previous_13, in_scope_count::INTEGER AS in_scope_count,
                in_scope_rate, incomplete_at_receipt_count::INTEGER AS incomplete, complete_at_receipt_rate, incomplete_at_receipt_rate,
                conversion_denominator::INTEGER AS conversion_denominator, conversions::INTEGER AS conversions, conversion_rate,
                with_visit_count::INTEGER AS with_visit_count, loop_closed_count::INTEGER AS loop_closed_count, loop_closure_rate
         FROM source_rollup WHERE level = 'clinician' AND source = '${A}'`,
      ),
    ).toEqual([
      {
        referrals: 7,
        last_13: 3,
        previous_13: 3,
        in_scope_count: 6,
        in_scope_rate: 6 / 7,
        incomplete: 1,
        complete_at_receipt_rate: 5 / 6,
        incomplete_at_receipt_rate: 1 / 6,
        conversion_denominator: 5,
        conversions: 1,
        conversion_rate: 1 / 5,
        with_visit_count: 1,
        loop_closed_count: 1,
        loop_closure_rate: 1,
      },
    ]);
  });
});
