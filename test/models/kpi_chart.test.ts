// kpi_chart: the mature weeks each This week chart draws, the 32 up to the
// week its number is shown for.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('kpi_chart', 'kpi_signals');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of Monday 2026-06-01: this week is 2026-05-25. */
const AS_OF = '2026-06-01';

/** One cardiology referral on the Wednesday of each of the 40 weeks up to this week. */
function weekly(): { referrals: Row[] } {
  const referrals = Array.from({ length: 40 }, (_, i) => {
    const id = `R${i}`;
    const wednesday = new Date(Date.parse('2026-05-27T00:00:00Z') - i * 7 * 864e5).toISOString().slice(0, 10);
    return { referral_id: id, patient_key: id, received_at: `${wednesday} 09:00` };
  });
  return { referrals };
}

describe('kpi_chart', () => {
  it('draws the 32 weeks up to the shown week, mature weeks only, for each metric and line', async () => {
    w = await buildWith(weekly(), AS_OF);
    const span = await w.query<{ metric: string; first: string; last: string; weeks: number }>(
      `SELECT metric, min(week_start) AS first, max(week_start) AS last, count(*)::INTEGER AS weeks
       FROM kpi_chart WHERE service_line = 'cardiology' AND metric IN ('referrals', 'seen_within_14_days') GROUP BY metric ORDER BY metric`,
    );
    // referrals are known at receipt: shown for this week; seen within 14 days for the latest week 14 days old (2026-05-11); each 31 weeks back.
    expect(span).toEqual([
      { metric: 'referrals', first: '2025-10-20', last: '2026-05-25', weeks: 32 },
      { metric: 'seen_within_14_days', first: '2025-10-06', last: '2026-05-11', weeks: 32 },
    ]);
    const [young] = await w.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM kpi_chart JOIN kpi_signals USING (metric, service_line, week_start) WHERE NOT kpi_signals.is_mature",
    );
    expect(young!.n).toBe(0);
    expect(await w.query("SELECT value, is_signal FROM kpi_chart WHERE metric = 'referrals' AND service_line = 'cardiology' AND week_start = '2026-05-25'")).toEqual([
      { value: 1, is_signal: false },
    ]);
  });
});
