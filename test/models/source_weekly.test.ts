// source_weekly: the weekly referrals of the eight largest referring sources
// over the 52 complete weeks up to this week.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';
import { npi } from './fixtures.ts';

const buildWith = buildingOnly('source_weekly');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of Monday 2026-06-01: this week is 2026-05-25; the 52 weeks start on Monday 2025-06-02. */
const AS_OF = '2026-06-01';

const referral = (source: string | null, received_at: string, tag: string): Row => ({ referral_id: tag, patient_key: tag, referring_npi: source, received_at });

/** Sources 1..10: source n sends n + 1 referrals on 2026-05-20, source 1 as many as source 3 (a tie for eighth). */
function fixture(): { referrals: Row[] } {
  const referrals: Row[] = [];
  for (let n = 1; n <= 10; n++) {
    const count = n === 1 ? 4 : n + 1;
    for (let i = 0; i < count; i++) referrals.push(referral(npi(n), '2026-05-20 09:00', `S${n}-${i}`));
  }
  // The largest source also on the first day of the 52 weeks and the day before it (in the source window, not in the trend).
  referrals.push(referral(npi(10), '2025-06-02 09:00', 'S10-first'), referral(npi(10), '2025-06-01 09:00', 'S10-before'));
  // Many referrals without a valid NPI: never one of the largest.
  for (let i = 0; i < 30; i++) referrals.push(referral(null, '2026-05-20 09:00', `U-${i}`));
  return { referrals };
}

describe('source_weekly', () => {
  it('keeps the eight largest known sources (the smaller id on a tie), every week of the 52 up to this week, 0 where they sent nothing', async () => {
    w = await buildWith(fixture(), AS_OF);
    const rows = await w.query<{ week_start: string; source: string; source_rank: number; referrals: number }>(
      'SELECT week_start, source, source_rank::INTEGER AS source_rank, referrals::INTEGER AS referrals FROM source_weekly ORDER BY source_rank, week_start',
    );
    expect(rows.filter((r) => r.week_start === '2026-05-18').map((r) => [r.source, r.source_rank, r.referrals])).toEqual([
      [npi(10), 1, 11],
      [npi(9), 2, 10],
      [npi(8), 3, 9],
      [npi(7), 4, 8],
      [npi(6), 5, 7],
      [npi(5), 6, 6],
      [npi(4), 7, 5],
      [[npi(1), npi(3)].sort()[0], 8, 4],
    ]);
    // Every source has all 52 weeks, from 2025-06-02 to this week; a week it sent nothing reads 0 (its silence is drawn).
    expect(rows).toHaveLength(8 * 52);
    expect(new Set(rows.map((r) => r.week_start)).size).toBe(52);
    expect(rows.filter((r) => r.week_start !== '2026-05-18' && r.referrals > 0)).toEqual([{ week_start: '2025-06-02', source: npi(10), source_rank: 1, referrals: 1 }]);
    expect(rows.filter((r) => r.source === npi(9)).map((r) => r.week_start).sort()).toEqual(rows.filter((r) => r.source === npi(10)).map((r) => r.week_start).sort());
    expect(rows.some((r) => r.week_start === '2025-05-26')).toBe(false);
  });
});
