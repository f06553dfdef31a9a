// time_to_event_summary: the Kaplan–Meier median and 90th percentile, with a
// referral not yet reached counted as censored, not dropped.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('time_to_event_summary');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('time_to_event_summary', () => {
  it('takes the first day the share not yet contacted falls to half and to a tenth, censored referrals included', async () => {
    // Eleven January referrals: ten contacted after 1, 2, …, 10 days; one never (censored at as_of).
    // Share not yet after k contacts: (11 − k)/11, ≤ 0.5 first at k = 6 (day 6), ≤ 0.1 at k = 10 (day 10).
    // Dropping the censored one would give a median of 5 and a p90 of 9.
    const referrals: Row[] = [];
    const referral_events: Row[] = [];
    for (let i = 1; i <= 11; i++) {
      referrals.push({ referral_id: `R${i}`, patient_key: `P${i}`, received_at: '2026-01-05 09:00' });
      if (i <= 10) referral_events.push({ referral_id: `R${i}`, event_type: 'contact_made', event_at: `2026-01-${String(5 + i).padStart(2, '0')} 09:00` });
    }
    w = await buildWith({ referrals, referral_events }, '2026-03-01');
    expect(
      await w.query(
        `SELECT service_line, cohort_month::VARCHAR AS month, referrals::INTEGER AS referrals, reached_count::INTEGER AS reached_count, median_days, p90_days, share_reached_by_as_of,
                strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, run_id::INTEGER AS run_id
         FROM time_to_event_summary WHERE event = 'contact' ORDER BY service_line`,
      ),
    ).toEqual([
      { service_line: 'all', month: '2026-01-01', referrals: 11, reached_count: 10, median_days: 6, p90_days: 10, share_reached_by_as_of: expect.closeTo(10 / 11, 10), as_of: '2026-03-01 00:00', run_id: 1 },
      { service_line: 'cardiology', month: '2026-01-01', referrals: 11, reached_count: 10, median_days: 6, p90_days: 10, share_reached_by_as_of: expect.closeTo(10 / 11, 10), as_of: '2026-03-01 00:00', run_id: 1 },
    ]);
  });

  it('leaves the median null while fewer than half are reached (a young cohort)', async () => {
    // Four referrals, one contacted after a day: the curve stops at 0.75, and at 3/4 not yet the p90 is null too.
    const referrals: Row[] = ['A', 'B', 'C', 'D'].map((id) => ({ referral_id: id, patient_key: id, received_at: '2026-02-23 09:00' }));
    w = await buildWith({ referrals, referral_events: [{ referral_id: 'A', event_type: 'contact_made', event_at: '2026-02-24 09:00' }] }, '2026-02-27 09:00');
    expect(
      await w.query("SELECT reached_count::INTEGER AS reached_count, median_days, p90_days, share_reached_by_as_of FROM time_to_event_summary WHERE event = 'contact' AND service_line = 'all'"),
    ).toEqual([{ reached_count: 1, median_days: null, p90_days: null, share_reached_by_as_of: 0.25 }]);
  });
});
