// capacity_history: referrals of each complete week among the 52 up to
// kpi_weekly's latest week.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('capacity_history', 'kpi_weekly');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const referral = (referral_id: string, received_at: string, extra: Row = {}): Row => ({ referral_id, patient_key: referral_id, received_at, ...extra });

describe('capacity_history', () => {
  it('keeps the complete weeks of the 52 up to the latest, per line and all', async () => {
    // as_of Wednesday 2026-06-03 12:00: the latest week (2026-06-01) is not complete; the 52 weeks start on 2025-06-09.
    w = await buildWith(
      {
        referrals: [
          referral('BEFORE', '2025-06-04 09:00'), // week 2025-06-02: before the 52 weeks
          referral('FIRST', '2025-06-10 09:00'), // week 2025-06-09: the first of them
          referral('LAST', '2026-05-27 09:00', { service_line: 'imaging', referral_type: 'diagnostic', documents: ['order'] }), // week 2026-05-25: the last complete
          referral('OPEN', '2026-06-02 09:00'), // the latest week: not complete
        ],
      },
      '2026-06-03 12:00',
    );
    const rows = await w.query<{ service_line: string; week: string; referrals: number }>('SELECT service_line, week, referrals FROM capacity_history ORDER BY service_line, week');
    const weeks = (line: string) => rows.filter((r) => r.service_line === line);
    expect(weeks('all').map((r) => r.week)).toHaveLength(51);
    expect(weeks('all')[0]).toEqual({ service_line: 'all', week: '2025-06-09', referrals: 1 });
    expect(weeks('all').at(-1)).toEqual({ service_line: 'all', week: '2026-05-25', referrals: 1 });
    expect(weeks('imaging').filter((r) => r.referrals > 0)).toEqual([{ service_line: 'imaging', week: '2026-05-25', referrals: 1 }]);
  });
});
