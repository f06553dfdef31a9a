// Hand-computed expectations for the dormancy rule, the Kaplan–Meier
// estimator (censored cases included) and the concentration figures.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildWith, type Row } from '../helpers/models.ts';

let w: Warehouse | undefined;
afterEach(async () => w?.close());

/** `count` referrals from one clinician, every `gapDays` days from `start` (10:00 local). */
function series(npi: string, start: string, count: number, gapDays: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.parse(`${start}T00:00:00Z`) + i * gapDays * 86_400_000).toISOString().slice(0, 10);
    return { referral_id: `${npi}-${i}`, patient_key: `${npi}-${i}`, referring_npi: npi, received_at: `${day} 10:00` };
  });
}

describe('dormancy', () => {
  it('flags silence improbable at the clinician’s own pace, never two referrals, never a slow but regular pace', async () => {
    w = await buildWith(
      {
        referrals: [
          // 21 referrals, one every 5 days from 2026-01-05 (last 2026-04-15), then silent to as_of 2026-07-24:
          // pace 20 / 100 days = 0.2 a day; 100 silent days; chance exp(−20) ≈ 2e-9 → dormant.
          ...series('1234567893', '2026-01-05', 21, 5),
          // Two referrals ever: never dormant, however long the silence.
          ...series('1245319599', '2026-01-05', 2, 5),
          // 6 referrals 10 days apart (last 2026-02-25), then 149 silent days: at that burst's pace (0.1 a day) the chance
          // would be exp(−14.9) → dormant. But it referred before: 6 more, 60 days apart from 2025-01-06, make its pace
          // 11 / 415 days ≈ 0.027 a day, chance exp(−3.95) ≈ 0.02 → not dormant.
          ...series('1003142399', '2026-01-06', 6, 10),
          ...series('1003142399', '2025-01-06', 6, 60).map((r) => ({ ...r, referral_id: `${r.referral_id}-old`, patient_key: `${r.patient_key}-old` })),
        ],
      },
      '2026-07-24 10:00',
    );
    const rows = await w.query<{ npi: string; category: string; confidence: number; visits_at_stake: number; reason: string }>(
      "SELECT npi, category, confidence, visits_at_stake, reason FROM outreach_priorities WHERE category = 'dormant'",
    );
    expect(rows.map((r) => r.npi)).toEqual(['1234567893']);
    expect(rows[0]!.confidence).toBeCloseTo(1 - Math.exp(-20), 6);
    expect(rows[0]!.reason).toBe(
      'Referred 21 times in the year, about one every 5 days, then nothing for 100 days; at their own pace a silence this long comes by chance less than once in a million.',
    );
    // No visits in the fixture: conversion shrinks to the practice rate, 0 → nothing at stake yet.
    expect(rows[0]!.visits_at_stake).toBe(0);
  });
});

describe('Kaplan–Meier time to contact', () => {
  it('steps down only at events, with censored referrals leaving the risk set', async () => {
    // Five January referrals; days to contact: 1, 3, 3 (events); 2 and 5 censored by as_of 2026-01-10 09:00.
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'A', patient_key: 'A', received_at: '2026-01-05 09:00' },
          { referral_id: 'B', patient_key: 'B', received_at: '2026-01-08 09:00' },
          { referral_id: 'C', patient_key: 'C', received_at: '2026-01-05 09:00' },
          { referral_id: 'D', patient_key: 'D', received_at: '2026-01-05 09:00' },
          { referral_id: 'E', patient_key: 'E', received_at: '2026-01-05 09:00' },
        ],
        referral_events: [
          { referral_id: 'A', event_type: 'contact_made', event_at: '2026-01-06 09:00' },
          { referral_id: 'C', event_type: 'contact_made', event_at: '2026-01-08 09:00' },
          { referral_id: 'D', event_type: 'contact_made', event_at: '2026-01-08 09:00' },
        ],
      },
      '2026-01-10 09:00',
    );
    const curve = await w.query<{ days: number; at_risk: number; events: number; censored: number; share_not_yet: number }>(
      "SELECT days, at_risk::INTEGER AS at_risk, events::INTEGER AS events, censored::INTEGER AS censored, share_not_yet FROM time_to_event WHERE event = 'contact' AND service_line = 'all' ORDER BY days",
    );
    // S(1) = 1 − 1/5 = 0.8; censored at 2 (n 4); S(3) = 0.8 × (1 − 2/3) = 0.2667; censored at 5.
    expect(curve.map((c) => [c.days, c.at_risk, c.events, c.censored])).toEqual([
      [1, 5, 1, 0],
      [2, 4, 0, 1],
      [3, 3, 2, 0],
      [5, 1, 0, 1],
    ]);
    expect(curve.map((c) => c.share_not_yet)).toEqual([0.8, 0.8, expect.closeTo(0.8 / 3, 10), expect.closeTo(0.8 / 3, 10)]);
    expect(
      await w.query("SELECT referrals::INTEGER AS referrals, reached::INTEGER AS reached, median_days, p90_days FROM time_to_event_summary WHERE event = 'contact' AND service_line = 'all'"),
    ).toEqual([{ referrals: 5, reached: 3, median_days: 3, p90_days: null }]);
  });
});

describe('concentration', () => {
  it('computes top shares, HHI and the visits at risk', async () => {
    // Shares 6/10, 3/10, 1/10: HHI = 60² + 30² + 10² = 4,600. Visits: A 3 of 6, B 1 of 3.
    const referrals = [...series('1234567893', '2026-01-05', 6, 1), ...series('1245319599', '2026-01-05', 3, 1), ...series('1003142399', '2026-01-05', 1, 1)];
    const visits = ['1234567893-0', '1234567893-1', '1234567893-2', '1245319599-0'].map((id) => ({ visit_id: `V${id}`, patient_key: id, visit_at: '2026-02-01 10:00' }));
    w = await buildWith({ referrals, visits }, '2026-03-01');
    expect(
      await w.query(
        `SELECT sources::INTEGER AS sources, top_1_share, round(top_5_share, 12) AS top_5_share, round(hhi, 6) AS hhi, completed_visits::INTEGER AS visits,
                top_1_visit_share, largest_source, visits_at_risk_if_largest_lapsed::INTEGER AS at_risk FROM source_concentration`,
      ),
    ).toEqual([{ sources: 3, top_1_share: 0.6, top_5_share: 1, hhi: 4600, visits: 4, top_1_visit_share: 0.75, largest_source: '1234567893', at_risk: 3 }]);
  });
});
