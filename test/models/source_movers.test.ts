// source_movers: referring clinicians whose weekly volume in the 4 weeks up
// to this week moved from the 12 weeks before, largest move first.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildWith, type Row } from '../helpers/models.ts';
import { npi } from './fixtures.ts';

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of Monday 2026-06-01: this week is 2026-05-25; the recent weeks 05-04 to 05-25, the baseline 02-09 to 04-27. */
const AS_OF = '2026-06-01';

const FROM = { rising: npi(1), steady: npi(2), under: npi(3) };

/** One referral from `source` on the Wednesday of each week (by its Monday). */
const inWeeks = (source: string | null, mondays: string[], tag: string): Row[] =>
  mondays.map((monday, i) => {
    const id = `${tag}-${i}`;
    const wednesday = new Date(Date.parse(`${monday}T00:00:00Z`) + 2 * 864e5).toISOString().slice(0, 10);
    return { referral_id: id, patient_key: id, referring_npi: source, referring_name: `Dr ${tag}`, received_at: `${wednesday} 09:00` };
  });

/** The Mondays of `n` weeks, the first `first`. */
const weeks = (first: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(`${first}T00:00:00Z`) + i * 7 * 864e5).toISOString().slice(0, 10));

function fixture(): { referrals: Row[] } {
  return {
    referrals: [
      // recent: the first recent week and 3 in this week (4 / 4); baseline: its first and last week (2 / 12); 02-02 is before it.
      ...inWeeks(FROM.rising, ['2026-05-04', '2026-05-25', '2026-05-25', '2026-05-25', '2026-04-27', '2026-02-09', '2026-02-02'], 'rising'),
      // baseline one a week (12 / 12 = 1), nothing recent.
      ...inWeeks(FROM.steady, weeks('2026-02-09', 12), 'steady'),
      // recent 3 / 4, baseline 11 / 12: both just under one a week.
      ...inWeeks(FROM.under, [...weeks('2026-05-11', 3), ...weeks('2026-02-09', 11)], 'under'),
      // no valid NPI: not a clinician to call.
      ...inWeeks(null, weeks('2026-05-04', 4), 'unknown'),
    ],
  };
}

describe('source_movers', () => {
  it('averages the recent 4 and baseline 12 weeks, keeps a clinician at one a week in either, largest change first', async () => {
    w = await buildWith(fixture(), AS_OF);
    expect(
      await w.query(
        `SELECT source, name, recent_per_week, baseline_per_week, change_per_week, mover_rank::INTEGER AS mover_rank, week_start
         FROM source_movers ORDER BY mover_rank`,
      ),
    ).toEqual([
      { source: FROM.steady, name: 'Dr steady', recent_per_week: 0, baseline_per_week: 1, change_per_week: -1, mover_rank: 1, week_start: '2026-05-25' },
      { source: FROM.rising, name: 'Dr rising', recent_per_week: 1, baseline_per_week: 0.2, change_per_week: 0.8, mover_rank: 2, week_start: '2026-05-25' },
    ]);
  });
});
