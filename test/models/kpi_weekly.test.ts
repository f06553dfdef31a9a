// kpi_weekly's "this week" and its equal-age rule: a later stage is counted
// within a fixed time of receipt and shown for the latest week whose every
// referral has had that long, so a young cohort never reads as a drop.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('kpi_weekly');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Local YYYY-MM-DD of a day after 2026-01-05 (a Monday). */
const day = (offset: number) => new Date(Date.UTC(2026, 0, 5 + offset)).toISOString().slice(0, 10);

/**
 * Two cardiology referrals each Tuesday 10:00 of the six weeks from Monday
 * 2026-01-05 to 2026-02-09; each patient is seen 10 days after receipt and
 * the loop closed 20 days after, which the models know only once it happened.
 */
function sixWeeks(): { referrals: Row[]; visits: Row[] } {
  const referrals: Row[] = [];
  const visits: Row[] = [];
  for (let week = 0; week < 6; week++) {
    for (let i = 0; i < 2; i++) {
      const id = `W${week}-${i}`;
      referrals.push({ referral_id: id, patient_key: id, received_at: `${day(7 * week + 1)} 10:00` });
      visits.push({ visit_id: `V${id}`, referral_id: id, patient_key: id, visit_at: `${day(7 * week + 11)} 10:00`, summary_sent_at: `${day(7 * week + 21)} 10:00` });
    }
  }
  return { referrals, visits };
}

async function reported(warehouse: Warehouse, metric: string) {
  return warehouse.query<{ week: string; value: number; avg_previous_4_weeks: number; change_vs_previous_4_weeks: number }>(
    `SELECT week::VARCHAR AS week, value, avg_previous_4_weeks, change_vs_previous_4_weeks FROM kpi_weekly
     WHERE service_line = 'all' AND metric = '${metric}' AND is_latest_mature_week`,
  );
}

async function isComplete(warehouse: Warehouse, week: string) {
  const rows = await warehouse.query<{ complete: boolean }>(
    `SELECT DISTINCT is_complete_week AS complete FROM kpi_weekly WHERE week = '${week}'`,
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.complete;
}

async function thisWeek(warehouse: Warehouse) {
  return warehouse.query<{ week: string }>("SELECT DISTINCT week::VARCHAR AS week FROM kpi_weekly WHERE is_this_week");
}

describe('kpi_weekly: this week', () => {
  it('is the last Monday–Sunday week that had ended at as_of, its Sunday midnight included', async () => {
    const { referrals } = sixWeeks();
    // Monday 2026-02-16 00:00: the week of 2026-02-09 ended at that very moment.
    w = await buildWith({ referrals }, '2026-02-16');
    expect(await thisWeek(w)).toEqual([{ week: '2026-02-09' }]);
    expect(await isComplete(w, '2026-02-09')).toBe(true);
    await w.close();
    // A minute earlier that week has not ended: this week is the one before.
    w = await buildWith({ referrals }, '2026-02-15 23:59');
    expect(await thisWeek(w)).toEqual([{ week: '2026-02-02' }]);
    expect(await isComplete(w, '2026-02-09')).toBe(false);
    await w.close();
    // Midweek: the week in progress is not this week.
    w = await buildWith({ referrals }, '2026-02-12 12:00');
    expect(await thisWeek(w)).toEqual([{ week: '2026-02-02' }]);
  });

  it('shows counts known at receipt for this week', async () => {
    w = await buildWith(sixWeeks(), '2026-02-16');
    expect(await reported(w, 'referrals')).toEqual([{ week: '2026-02-09', value: 2, avg_previous_4_weeks: 2, change_vs_previous_4_weeks: 0 }]);
  });
});

describe('kpi_weekly: later stages at equal age', () => {
  it('reports seen within 14 days for the latest week 14 days old, level with the weeks before (no drop from the young cohort)', async () => {
    w = await buildWith(sixWeeks(), '2026-02-16');
    // 2026-02-16 minus 14 × 24 h is 2026-02-02: the weeks up to 2026-01-26 (ended 2026-02-02 00:00) are 14 days old.
    expect(await reported(w, 'seen_within_14_days')).toEqual([{ week: '2026-01-26', value: 2, avg_previous_4_weeks: 2, change_vs_previous_4_weeks: 0 }]);
    // The young cohorts are still in the mart, marked not mature: this week's patients have not been seen yet.
    expect(
      await w.query("SELECT week::VARCHAR AS week, value, is_mature FROM kpi_weekly WHERE service_line = 'all' AND metric = 'seen_within_14_days' AND week BETWEEN '2026-01-26' AND '2026-02-09' ORDER BY week"),
    ).toEqual([
      { week: '2026-01-26', value: 2, is_mature: true },
      { week: '2026-02-02', value: 2, is_mature: false },
      { week: '2026-02-09', value: 0, is_mature: false },
    ]);
  });

  it('needs the full 14 × 24 hours: a minute short, the week before is reported', async () => {
    w = await buildWith(sixWeeks(), '2026-02-15 23:59');
    expect((await reported(w, 'seen_within_14_days')).map((r) => r.week)).toEqual(['2026-01-19']);
  });

  it('reports loop closed within 30 days for the latest week 30 days old', async () => {
    w = await buildWith(sixWeeks(), '2026-02-16');
    // 2026-02-16 minus 30 days is 2026-01-17: only the week of 2026-01-05 (ended 2026-01-12) is 30 days old.
    expect(await reported(w, 'loop_closed_within_30_days')).toEqual([{ week: '2026-01-05', value: 2, avg_previous_4_weeks: null, change_vs_previous_4_weeks: null }]);
  });

  it('waits for the longest contact SLA before comparing the SLA rate', async () => {
    // MODEL_CONFIG's longest SLA is the default routine 72 hours: 3 days.
    w = await buildWith(sixWeeks(), '2026-02-16');
    expect(await w.query("SELECT DISTINCT mature_after_days FROM kpi_weekly WHERE metric IN ('contact_sla_met_rate', 'contact_sla_met')")).toEqual([{ mature_after_days: 3 }]);
    // 2026-02-16 minus 3 days is 2026-02-13: the latest week ended by then is 2026-02-02.
    expect((await reported(w, 'contact_sla_met_rate')).map((r) => r.week)).toEqual(['2026-02-02']);
  });

  it('counts a stage reached by receipt + 14 × 24 real hours, across the change to summer time', async () => {
    // Received Monday 2026-03-02 10:00 EST; 336 hours later is 2026-03-16 11:00 EDT (clocks went forward on 2026-03-08).
    const referrals: Row[] = ['AT', 'PAST', 'WALL'].map((id) => ({ referral_id: id, patient_key: id, received_at: '2026-03-02 10:00' }));
    const visits: Row[] = [
      { visit_id: 'V-AT', referral_id: 'AT', patient_key: 'AT', visit_at: '2026-03-16 11:00' },
      { visit_id: 'V-PAST', referral_id: 'PAST', patient_key: 'PAST', visit_at: '2026-03-16 11:01' },
      // The same wall-clock time, 10:00, is 335 real hours: within.
      { visit_id: 'V-WALL', referral_id: 'WALL', patient_key: 'WALL', visit_at: '2026-03-16 10:00' },
    ];
    w = await buildWith({ referrals, visits }, '2026-04-01');
    expect(await w.query("SELECT value FROM kpi_weekly WHERE service_line = 'all' AND metric = 'seen_within_14_days' AND week = '2026-03-02'")).toEqual([{ value: 2 }]);
  });

  it('has one reported week per metric and service line, and every metric of the page', async () => {
    w = await buildWith(sixWeeks(), '2026-02-16');
    expect(
      await w.query("SELECT metric, count(*)::INTEGER AS n FROM kpi_weekly WHERE service_line = 'cardiology' AND is_latest_mature_week GROUP BY metric ORDER BY metric"),
    ).toEqual(
      [
        'contact_sla_met',
        'contact_sla_met_rate',
        'in_scope',
        'loop_closed_within_30_days',
        'loop_closure_rate',
        'median_days_to_appointment',
        'median_hours_to_contact',
        'referrals',
        'scheduled_within_14_days',
        'seen_within_14_days',
      ].map((metric) => ({ metric, n: 1 })),
    );
  });
});

describe('kpi_weekly: comparisons', () => {
  it('compares each week with the week before and the mean of the four before it', async () => {
    // Referrals per week: 1, 2, 3, 4, 5, 6 (weeks of Monday 2026-01-05 … 2026-02-09).
    const referrals: Row[] = [];
    for (let week = 0; week < 6; week++) {
      for (let i = 0; i <= week; i++) {
        const day = new Date(Date.UTC(2026, 0, 6 + 7 * week)).toISOString().slice(0, 10);
        referrals.push({ referral_id: `W${week}-${i}`, patient_key: `W${week}-${i}`, received_at: `${day} 10:00` });
      }
    }
    w = await buildWith({ referrals }, '2026-02-12');
    expect(
      await w.query(
        "SELECT week, value, last_week, avg_previous_4_weeks, change_vs_last_week, change_vs_previous_4_weeks, is_complete_week FROM kpi_weekly WHERE service_line = 'all' AND metric = 'referrals' AND week >= '2026-02-02' ORDER BY week",
      ),
    ).toEqual([
      { week: '2026-02-02', value: 5, last_week: 4, avg_previous_4_weeks: 2.5, change_vs_last_week: 1, change_vs_previous_4_weeks: 2.5, is_complete_week: true },
      { week: '2026-02-09', value: 6, last_week: 5, avg_previous_4_weeks: 3.5, change_vs_last_week: 1, change_vs_previous_4_weeks: 2.5, is_complete_week: false },
    ]);
  });
});

describe('kpi_weekly: contact SLA rate', () => {
  it('is met / due, over the referrals whose SLA verdict is known', async () => {
    // Week of Monday 2026-02-23; as_of Thursday 2026-03-05 12:00 (this week is 2026-02-23). Routine SLA 72 hours.
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'MET', patient_key: 'P1', received_at: '2026-02-23 09:00' },
          { referral_id: 'LATE', patient_key: 'P2', received_at: '2026-02-23 09:00' },
          { referral_id: 'MET2', patient_key: 'P3', received_at: '2026-02-24 09:00' },
          // Received Sunday 2026-03-01 13:00: due 03-04 13:00, contacted in time.
          { referral_id: 'SUN', patient_key: 'P4', received_at: '2026-03-01 13:00' },
          // Next week's, not yet due at as_of: in no denominator.
          { referral_id: 'NOT-DUE', patient_key: 'P5', received_at: '2026-03-03 13:00' },
          { referral_id: 'OUT', patient_key: 'P6', received_at: '2026-02-23 09:00', service_line: 'dermatology' },
        ],
        referral_events: [
          { referral_id: 'MET', event_type: 'contact_made', event_at: '2026-02-24 09:00' },
          { referral_id: 'LATE', event_type: 'contact_made', event_at: '2026-02-27 09:00' },
          { referral_id: 'MET2', event_type: 'contact_made', event_at: '2026-02-25 09:00' },
          { referral_id: 'SUN', event_type: 'contact_made', event_at: '2026-03-02 09:00' },
        ],
      },
      '2026-03-05 12:00',
    );
    expect(
      await w.query(
        `SELECT week::VARCHAR AS week, metric, value FROM kpi_weekly
         WHERE service_line = 'all' AND metric IN ('contact_sla_met_rate', 'contact_sla_met') AND week >= '2026-02-23' ORDER BY week, metric`,
      ),
    ).toEqual([
      { week: '2026-02-23', metric: 'contact_sla_met', value: 3 },
      { week: '2026-02-23', metric: 'contact_sla_met_rate', value: 3 / 4 },
      { week: '2026-03-02', metric: 'contact_sla_met', value: 0 },
      { week: '2026-03-02', metric: 'contact_sla_met_rate', value: null },
    ]);
  });
});

describe('kpi_weekly: each stage at its own cutoff, boundary included', () => {
  // One cohort: Tuesday 2026-01-06 10:00 (week of 2026-01-05; no clock change within 30 days).
  // 14 × 24 h later is 2026-01-20 10:00, 30 × 24 h later 2026-02-05 10:00.
  const received = '2026-01-06 10:00';
  const ids = ['C2', 'C336', 'C336+1', 'S14', 'S14+1', 'L10', 'L30', 'L31'];
  const fixture = () => ({
    referrals: [
      ...ids.map((id) => ({ referral_id: id, patient_key: id, received_at: received })),
      // Out of scope: a referral, not in scope. LATER leaves the week of 2026-01-12 empty between two weeks with referrals.
      { referral_id: 'OUT', patient_key: 'OUT', received_at: received, service_line: 'dermatology' },
      { referral_id: 'LATER', patient_key: 'LATER', received_at: '2026-01-20 10:00' },
    ],
    referral_events: [
      { referral_id: 'C2', event_type: 'contact_made', event_at: '2026-01-06 12:00' },
      { referral_id: 'C336', event_type: 'contact_made', event_at: '2026-01-20 10:00' },
      { referral_id: 'C336+1', event_type: 'contact_made', event_at: '2026-01-20 10:01' },
    ],
    appointments: [
      // Booked exactly 14 days after receipt, for day 20; booked a minute later, for day 15.
      { appointment_id: 'A-S14', referral_id: 'S14', patient_key: 'S14', booked_at: '2026-01-20 10:00', start_at: '2026-01-26 09:00', status: 'scheduled' },
      { appointment_id: 'A-S15', referral_id: 'S14+1', patient_key: 'S14+1', booked_at: '2026-01-20 10:01', start_at: '2026-01-21 09:00', status: 'scheduled' },
    ],
    visits: [
      { visit_id: 'V-L10', referral_id: 'L10', patient_key: 'L10', visit_at: '2026-01-16 10:00', summary_sent_at: '2026-01-26 10:00' },
      // Seen and summary sent at the 30-day boundary: within.
      { visit_id: 'V-L30', referral_id: 'L30', patient_key: 'L30', visit_at: '2026-02-05 10:00', summary_sent_at: '2026-02-05 10:00' },
      // Seen a day after the 30 days: in neither the numerator nor the denominator of the loop-closure rate.
      { visit_id: 'V-L31', referral_id: 'L31', patient_key: 'L31', visit_at: '2026-02-06 10:00', summary_sent_at: '2026-02-06 11:00' },
    ],
  });
  // A 100-hour SLA is the longest: the SLA matures after 5 whole days (100 / 24 rounded up).
  const config = {
    ...MODEL_CONFIG,
    service_lines: MODEL_CONFIG.service_lines.map((l) => (l.id === 'imaging' ? { ...l, contact_sla_hours: { routine: 100 } } : l)),
  };

  it('counts contacts, bookings, visits and closed loops reached by receipt + N × 24 hours, not a minute later', async () => {
    w = await buildWith(fixture(), '2026-04-01', config);
    const values = await w.query<{ metric: string; value: number | null }>(
      `SELECT metric, value FROM kpi_weekly WHERE service_line = 'all' AND week = '2026-01-05'
       AND metric IN ('median_hours_to_contact', 'scheduled_within_14_days', 'median_days_to_appointment', 'seen_within_14_days', 'loop_closed_within_30_days', 'loop_closure_rate')
       ORDER BY metric`,
    );
    expect(values).toEqual([
      // Of the seen within 30 days (L10, L30), both closed within 30: L31, seen later, is no miss.
      { metric: 'loop_closed_within_30_days', value: 2 },
      { metric: 'loop_closure_rate', value: 1 },
      // Only S14 was booked within 14 days: its 20 days, not S14+1's 15.
      { metric: 'median_days_to_appointment', value: 20 },
      // 2 h and 336 h (the boundary); 336 h 1 min is past the 14 days.
      { metric: 'median_hours_to_contact', value: 169 },
      { metric: 'scheduled_within_14_days', value: 1 },
      { metric: 'seen_within_14_days', value: 1 },
    ]);
    expect(
      await w.query(
        "SELECT week::VARCHAR AS week, metric, value FROM kpi_weekly WHERE service_line = 'all' AND metric IN ('referrals', 'in_scope') AND week <= '2026-01-19' ORDER BY week, metric",
      ),
    ).toEqual([
      { week: '2026-01-05', metric: 'in_scope', value: 8 },
      { week: '2026-01-05', metric: 'referrals', value: 9 },
      // A week with no referrals counts 0, not null.
      { week: '2026-01-12', metric: 'in_scope', value: 0 },
      { week: '2026-01-12', metric: 'referrals', value: 0 },
      { week: '2026-01-19', metric: 'in_scope', value: 1 },
      { week: '2026-01-19', metric: 'referrals', value: 1 },
    ]);
  });

  it('matures each metric after the days it counts, the SLA after the longest SLA in whole days rounded up', async () => {
    w = await buildWith(fixture(), '2026-04-01', config);
    expect(await w.query('SELECT metric, any_value(mature_after_days)::INTEGER AS days, count(DISTINCT mature_after_days)::INTEGER AS n FROM kpi_weekly GROUP BY metric ORDER BY metric')).toEqual([
      { metric: 'contact_sla_met', days: 5, n: 1 },
      { metric: 'contact_sla_met_rate', days: 5, n: 1 },
      { metric: 'in_scope', days: 0, n: 1 },
      { metric: 'loop_closed_within_30_days', days: 30, n: 1 },
      { metric: 'loop_closure_rate', days: 30, n: 1 },
      { metric: 'median_days_to_appointment', days: 14, n: 1 },
      { metric: 'median_hours_to_contact', days: 14, n: 1 },
      { metric: 'referrals', days: 0, n: 1 },
      { metric: 'scheduled_within_14_days', days: 14, n: 1 },
      { metric: 'seen_within_14_days', days: 14, n: 1 },
    ]);
  });
});
