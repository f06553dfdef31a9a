// liaison_panels and referrer_tiers: each liaison's panel (the referrers the
// directory assigns them) this month, quarter and year so far against the
// same days last year and their goal, paced Ahead / On track / Behind with
// the 10% boundaries and a near miss beside each; and the referrers' tiers
// by completed visits a year, at the config's edges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';
import { npi } from './fixtures.ts';

const buildWith = buildingOnly('liaison_panels', 'referrer_tiers', 'referrers');

/** Monday 2026-11-23 00:00: the month so far is 1–22 November (22 of 30 days), the quarter 1 October – 22 November (53 of 92). */
const AS_OF = '2026-11-23';
const A = npi(11);
const B = npi(12);
const C = npi(13);

const referral = (id: string, source: string, received_at: string): Row => ({ referral_id: id, patient_key: `P-${id}`, referring_npi: source, received_at });

const CONFIG = {
  ...MODEL_CONFIG,
  liaisons: {
    // Referrals: 2 in the month so far against a pace of 2.4 × 22/30 = 1.76 (2 ≥ 1.1 × 1.76 = 1.94: Ahead);
    // 3 in the quarter against 5.8 × 53/92 = 3.34 (3 ≤ 0.9 × 3.34 = 3.007: Behind).
    // Visits: 1 in the month against 1.25 × 22/30 = 0.917 (1 < 1.1 × 0.917 = 1.008: On track, just short of Ahead);
    // 1 in the quarter against 1.9 × 53/92 = 1.095 (1 > 0.9 × 1.095 = 0.985: On track, just short of Behind).
    'Dana Whitfield': { goals: { referrals: { month: 2.4, quarter: 5.8 }, visits: { month: 1.25, quarter: 1.9 } } },
  },
};

let w: Warehouse;
beforeAll(async () => {
  w = await buildWith(
    {
      providers: [
        { npi: A, name: 'Ana Ames', practice: 'Elm Street', liaison: 'Dana Whitfield' },
        { npi: B, name: 'Ben Bell', practice: 'Elm Street', liaison: 'Dana Whitfield' },
        { npi: C, name: 'Cy Cole', practice: 'Oak Clinic', liaison: 'Marcus Reyes' },
      ],
      referrals: [
        // The quarter, not the month.
        referral('q1', A, '2026-10-31 10:00'),
        // The month's first and last day.
        referral('m1', A, '2026-11-01 00:30'),
        referral('m2', A, '2026-11-22 23:00'),
        // Last year's same days: 1–22 November 2025 count, the 23rd does not.
        referral('y1', A, '2025-11-05 10:00'),
        referral('y2', A, '2025-11-22 10:00'),
        referral('y3', A, '2025-11-23 10:00'),
      ],
      visits: [{ visit_id: 'V1', referral_id: 'm1', patient_key: 'P-m1', visit_at: '2026-11-10 09:00' }],
    },
    AS_OF,
    CONFIG,
  );
}, 60_000);
afterAll(() => w?.close());

interface PanelRow {
  liaison: string;
  measure: string;
  period: string;
  period_start: string;
  period_end: string;
  days_elapsed: number;
  panel_referrer_count: number;
  value: number;
  last_year_value: number;
  change_vs_last_year: number | null;
  pace: string | null;
}

const panel = () =>
  w.query<PanelRow>(
    `SELECT liaison, measure, period, period_start::VARCHAR AS period_start, period_end::VARCHAR AS period_end, days_elapsed::INTEGER AS days_elapsed,
            panel_referrer_count::INTEGER AS panel_referrer_count, value::INTEGER AS value, last_year_value::INTEGER AS last_year_value, change_vs_last_year, pace
     FROM liaison_panels ORDER BY liaison, measure, period`,
  );

describe('liaison_panels', () => {
  it('counts each panel’s referrals and visits for the period so far and the same days last year', async () => {
    const rows = (await panel()).filter((r) => r.liaison === 'Dana Whitfield' && r.measure === 'referrals');
    expect(rows.map((r) => [r.period, r.period_start, r.period_end, r.days_elapsed, r.panel_referrer_count, r.value, r.last_year_value])).toEqual([
      ['month', '2026-11-01', '2026-11-30', 22, 2, 2, 2],
      ['quarter', '2026-10-01', '2026-12-31', 53, 2, 3, 2],
      ['year', '2026-01-01', '2026-12-31', 326, 2, 3, 2],
    ]);
    expect(rows.find((r) => r.period === 'month')!.change_vs_last_year).toBe(0);
  });

  it('paces against the goal: Ahead at 10% above, Behind at 10% below, On track just inside either, nothing without a goal', async () => {
    const pace = Object.fromEntries((await panel()).filter((r) => r.liaison === 'Dana Whitfield').map((r) => [`${r.measure} ${r.period}`, r.pace]));
    expect(pace).toEqual({
      'referrals month': 'Ahead',
      'referrals quarter': 'Behind',
      'referrals year': null,
      'visits month': 'On track',
      'visits quarter': 'On track',
      'visits year': null,
    });
  });

  it('has a panel for every liaison the directory names, its counts 0 when its referrers sent nothing', async () => {
    const marcus = (await panel()).filter((r) => r.liaison === 'Marcus Reyes');
    expect(marcus).toHaveLength(6);
    for (const r of marcus) expect(r).toMatchObject({ panel_referrer_count: 1, value: 0, last_year_value: 0, change_vs_last_year: null, pace: null });
  });

  it('refuses a goal that is not a positive number, naming its key', () => {
    expect(() => parseConfig({ ...MODEL_CONFIG, liaisons: { Dana: { goals: { visits: { month: 0 } } } } })).toThrow(/liaisons\.Dana\.goals\.visits\.month/);
    expect(() => parseConfig({ ...MODEL_CONFIG, liaisons: { Dana: { goals: { calls: { month: 3 } } } } })).toThrow(/calls/);
  });
});

describe('referrer_tiers', () => {
  /** Tier edges 3 and 2: X's referrals brought 3 visits in the year (A), Y's 2 (B), Z's 1 (C), W's one visit 366 days ago (C, 0). */
  it('tiers referrers by the completed visits of the year before as_of, at the config’s edges', async () => {
    const X = npi(21);
    const Y = npi(22);
    const Z = npi(23);
    const W = npi(24);
    const seen = (id: string, source: string, visitAt: string) => ({
      referral: referral(id, source, '2026-06-01 10:00'),
      visit: { visit_id: `V-${id}`, referral_id: id, patient_key: `P-${id}`, visit_at: visitAt },
    });
    const plan = [
      seen('x1', X, '2026-06-10 10:00'), seen('x2', X, '2026-06-11 10:00'), seen('x3', X, '2026-06-12 10:00'),
      seen('y1', Y, '2026-06-10 10:00'), seen('y2', Y, '2026-06-11 10:00'),
      seen('z1', Z, '2026-06-10 10:00'),
    ];
    const tiers = await buildWith(
      {
        referrals: [...plan.map((p) => p.referral), referral('w1', W, '2025-11-20 10:00'), referral('w2', W, '2026-01-05 10:00')],
        visits: [...plan.map((p) => p.visit), { visit_id: 'V-w1', referral_id: 'w1', patient_key: 'P-w1', visit_at: '2025-11-21 23:00' }],
      },
      AS_OF,
      { ...MODEL_CONFIG, outreach: { tiers: { a_min_visits: 3, b_min_visits: 2 } } },
    );
    try {
      const rows = await tiers.query<{ source: string; visits_last_year: number; tier: string }>('SELECT source, visits_last_year::INTEGER AS visits_last_year, tier FROM referrer_tiers ORDER BY source');
      expect(rows).toEqual([
        { source: X, visits_last_year: 3, tier: 'A' },
        { source: Y, visits_last_year: 2, tier: 'B' },
        { source: Z, visits_last_year: 1, tier: 'C' },
        { source: W, visits_last_year: 0, tier: 'C' },
      ]);
    } finally {
      await tiers.close();
    }
    expect(() => parseConfig({ ...MODEL_CONFIG, outreach: { tiers: { a_min_visits: 6, b_min_visits: 6 } } })).toThrow(/outreach\.tiers\.b_min_visits/);
  }, 60_000);
});
