// source_movers: referring clinicians whose weekly volume in the 4 weeks up
// to this week moved from the 12 weeks before, largest move first.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';
import { npi } from './fixtures.ts';

const buildWith = buildingOnly('source_movers');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of Monday 2026-06-01: this week is 2026-05-25; the recent weeks 05-04 to 05-25, the baseline 02-09 to 04-27. */
const AS_OF = '2026-06-01';

const FROM = { rising: npi(1), steady: npi(2), under: npi(3), jump: npi(4), noise: npi(5) };

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
      // 7 recent against 3 in the baseline: (7 − 1) / sqrt(7 + 1/3) = 2.22 standard errors, a move.
      ...inWeeks(FROM.jump, [...weeks('2026-05-04', 4), '2026-05-25', '2026-05-25', '2026-05-25', ...weeks('2026-02-09', 3)], 'jump'),
      // 6 recent against 3: (6 − 1) / sqrt(6 + 1/3) = 1.99, just short of 2: noise.
      ...inWeeks(FROM.noise, [...weeks('2026-05-04', 4), '2026-05-25', '2026-05-25', ...weeks('2026-02-09', 3)], 'noise'),
      // no valid NPI: not a clinician to call.
      ...inWeeks(null, weeks('2026-05-04', 4), 'unknown'),
    ],
  };
}

describe('source_movers', () => {
  it('averages the recent 4 and baseline 12 weeks, keeps a clinician at one a week in either whose move is 2 standard errors or more, largest change first', async () => {
    w = await buildWith(fixture(), AS_OF);
    expect(
      await w.query(
        `SELECT source, name, recent_per_week, baseline_per_week, change_per_week, change_z, mover_rank::INTEGER AS mover_rank, week_start
         FROM source_movers ORDER BY mover_rank`,
      ),
    ).toEqual([
      { source: FROM.jump, name: 'Dr jump', recent_per_week: 1.8, baseline_per_week: 0.3, change_per_week: 1.5, change_z: 2.22, mover_rank: 1, week_start: '2026-05-25' },
      // 12 in the baseline, none since: (0 − 4) / sqrt(12 / 9) = −3.46.
      { source: FROM.steady, name: 'Dr steady', recent_per_week: 0, baseline_per_week: 1, change_per_week: -1, change_z: -3.46, mover_rank: 2, week_start: '2026-05-25' },
      // Dr rising (4 recent, 2 before: 1.62) and Dr noise (1.99) moved within noise; Dr under has fewer than one a week in either.
    ]);
  });
});
