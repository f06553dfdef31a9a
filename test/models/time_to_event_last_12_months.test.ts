// time_to_event_summary.is_last_12_months: the 12 cohort months up to the
// latest, the months Capacity shows.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly } from '../helpers/models.ts';

const buildWith = buildingOnly('time_to_event_summary');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('time_to_event_summary: is_last_12_months', () => {
  it('marks the 12 months up to the latest cohort month, not the 13th', async () => {
    // One referral on the 15th of each month from 2025-05 to 2026-05.
    const referrals = Array.from({ length: 13 }, (_, i) => {
      const month = new Date(Date.UTC(2025, 4 + i, 15)).toISOString().slice(0, 10);
      return { referral_id: `M${i}`, patient_key: `M${i}`, received_at: `${month} 09:00` };
    });
    w = await buildWith({ referrals }, '2026-06-01');
    const months = await w.query<{ cohort_month: string; is_last_12_months: boolean }>(
      "SELECT DISTINCT cohort_month, is_last_12_months FROM time_to_event_summary WHERE service_line = 'all' ORDER BY cohort_month",
    );
    expect(months).toHaveLength(13);
    expect(months[0]).toEqual({ cohort_month: '2025-05-01', is_last_12_months: false });
    expect(months.slice(1).every((m) => m.is_last_12_months)).toBe(true);
    expect(months.at(-1)!.cohort_month).toBe('2026-05-01');
  });
});
