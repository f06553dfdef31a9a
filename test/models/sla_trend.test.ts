// sla_trend: the share contacted within the SLA for the mature weeks of the
// 104 up to this week, as kpi_weekly has it.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('kpi_weekly', 'sla_trend');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of Monday 2026-06-01 00:00: this week is 2026-05-25, the 104 weeks start on 2024-06-03; the longest SLA is 72 hours. */
const AS_OF = '2026-06-01';

const referral = (referral_id: string, received_at: string): Row => ({ referral_id, patient_key: referral_id, received_at });
const contact = (referral_id: string, event_at: string): Row => ({ referral_id, event_type: 'contact_made', event_at });

describe('sla_trend', () => {
  it('keeps the mature weeks with a rate among the 104 up to this week', async () => {
    w = await buildWith(
      {
        referrals: [
          referral('BEFORE', '2024-05-29 09:00'), // week 2024-05-27: before the 104 weeks
          referral('FIRST', '2024-06-05 09:00'), // week 2024-06-03: the first of them
          referral('MET', '2026-05-20 09:00'), // week 2026-05-18: mature
          referral('MISSED', '2026-05-21 09:00'),
          referral('YOUNG', '2026-05-26 09:00'), // this week: not every referral past 72 hours yet
        ],
        referral_events: [contact('FIRST', '2024-06-05 10:00'), contact('MET', '2026-05-20 10:00'), contact('YOUNG', '2026-05-26 10:00')],
      },
      AS_OF,
    );
    expect(await w.query('SELECT week, service_line, rate FROM sla_trend ORDER BY week, service_line')).toEqual([
      { week: '2024-06-03', service_line: 'all', rate: 1 },
      { week: '2024-06-03', service_line: 'cardiology', rate: 1 },
      { week: '2026-05-18', service_line: 'all', rate: 0.5 },
      { week: '2026-05-18', service_line: 'cardiology', rate: 0.5 },
    ]);
  });
});
