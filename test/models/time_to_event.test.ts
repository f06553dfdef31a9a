// time_to_event: Kaplan–Meier curves, censored referrals leaving the risk set.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly } from '../helpers/models.ts';

const buildWith = buildingOnly('time_to_event');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('Kaplan–Meier time to contact', () => {
  it('steps down only at events, with censored referrals leaving the risk set', async () => {
    // Five January referrals; days to contact: 1, 3, 3 (events); 2 and 5 censored by as_of 2026-01-10 09:00.
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'A', patient_key: 'A', received_at: '2026-01-05 09:00' },
          { referral_id: 'B', patient_key: 'B', received_at: '2026-01-08 09:00' },
          { referral_id: 'C', patient_key: 'C', received_at: '2026-01-05 09:00' },
          { referral_id: 'D', patient_key: 'D', received_at: '2026-01-05 09:00' },
          { referral_id: 'E', patient_key: 'E', received_at: '2026-01-05 09:00' },
        ],
        referral_events: [
          { referral_id: 'A', event_type: 'contact_made', event_at: '2026-01-06 09:00' },
          { referral_id: 'C', event_type: 'contact_made', event_at: '2026-01-08 09:00' },
          { referral_id: 'D', event_type: 'contact_made', event_at: '2026-01-08 09:00' },
        ],
      },
      '2026-01-10 09:00',
    );
    const curve = await w.query<{ days: number; at_risk_count: number; events: number; censored_count: number; share_not_yet: number }>(
      "SELECT days, at_risk_count::INTEGER AS at_risk_count, events::INTEGER AS events, censored_count::INTEGER AS censored_count, share_not_yet FROM time_to_event WHERE event = 'contact' AND service_line = 'all' ORDER BY days",
    );
    // S(1) = 1 − 1/5 = 0.8; censored at 2 (n 4); S(3) = 0.8 × (1 − 2/3) = 0.2667; censored at 5.
    expect(curve.map((c) => [c.days, c.at_risk_count, c.events, c.censored_count])).toEqual([
      [1, 5, 1, 0],
      [2, 4, 0, 1],
      [3, 3, 2, 0],
      [5, 1, 0, 1],
    ]);
    expect(curve.map((c) => c.share_not_yet)).toEqual([0.8, 0.8, expect.closeTo(0.8 / 3, 10), expect.closeTo(0.8 / 3, 10)]);
  });
});
