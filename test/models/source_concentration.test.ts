// source_concentration: top shares, the Herfindahl–Hirschman index and the visits at risk.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('source_concentration');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** `count` referrals from one clinician, every `gapDays` days from `start` (10:00 local). */
function series(npi: string, start: string, count: number, gapDays: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.parse(`${start}T00:00:00Z`) + i * gapDays * 86_400_000).toISOString().slice(0, 10);
    return { referral_id: `${npi}-${i}`, patient_key: `${npi}-${i}`, referring_npi: npi, received_at: `${day} 10:00` };
  });
}

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

const r12 = (x: number) => Number(x.toFixed(12));

describe('concentration: the top 5 and top 10', () => {
  it('take exactly the five and the ten largest sources', async () => {
    // Twelve sources sending 12, 11, …, 1 (78 in all); each source's first referral was seen (12 visits).
    const npis = ['1234567893', '1245319599', '1003142399', '1982763451', '1538116213', '1467594851', '1376592612', '1295737584', '1114025237', '1023014514', '1952376896', '1861486559'];
    const referrals = npis.flatMap((n, i) => series(n, '2026-01-05', 12 - i, 1));
    const visits = npis.map((n) => ({ visit_id: `V${n}`, patient_key: `${n}-0`, visit_at: '2026-02-01 10:00' }));
    w = await buildWith({ referrals, visits }, '2026-03-01');
    expect(
      await w.query(
        `SELECT sources::INTEGER AS sources, round(top_5_share, 12) AS top_5_share, round(top_10_share, 12) AS top_10_share,
                round(top_5_visit_share, 12) AS top_5_visit_share, round(top_10_visit_share, 12) AS top_10_visit_share, largest_source FROM source_concentration`,
      ),
    ).toEqual([{ sources: 12, top_5_share: r12(50 / 78), top_10_share: r12(75 / 78), top_5_visit_share: r12(5 / 12), top_10_visit_share: r12(10 / 12), largest_source: '1234567893' }]);
  });
});
