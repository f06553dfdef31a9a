// duration_buckets: referrals per bucket of time to contact and days to the
// first appointment, with the edges and labels of config_buckets (config
// buckets.*), each value in the bucket whose lower edge it reaches.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('duration_buckets');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of 2026-06-01 12:00: the 182-day window starts after 2025-12-01 12:00. */
const AS_OF = '2026-06-01 12:00';

function fixture(): { referrals: Row[]; referral_events: Row[]; appointments: Row[] } {
  const referrals: Row[] = [
    { referral_id: 'H3.98', patient_key: 'P1', received_at: '2026-05-01 09:00' },
    { referral_id: 'H4', patient_key: 'P2', received_at: '2026-05-01 09:00' },
    { referral_id: 'H119', patient_key: 'P3', received_at: '2026-05-01 09:00' },
    { referral_id: 'H120', patient_key: 'P4', received_at: '2026-05-01 09:00' },
    { referral_id: 'OUT', patient_key: 'P5', received_at: '2026-05-01 09:00', service_line: 'dermatology' },
    { referral_id: 'EDGE-OUT', patient_key: 'P6', received_at: '2025-12-01 12:00' },
    { referral_id: 'EDGE-IN', patient_key: 'P7', received_at: '2025-12-01 12:01' },
  ];
  const contact = (referral_id: string, event_at: string) => ({ referral_id, event_type: 'contact_made', event_at });
  const referral_events = [
    contact('H3.98', '2026-05-01 12:59'), // 3 h 59 min: below 4
    contact('H4', '2026-05-01 13:00'), // exactly 4 h: the next bucket
    contact('H119', '2026-05-06 08:00'),
    contact('H120', '2026-05-06 09:00'),
    contact('OUT', '2026-05-01 10:00'), // out of scope: not in the time to contact
    contact('EDGE-OUT', '2025-12-01 13:00'),
    contact('EDGE-IN', '2025-12-01 13:01'),
  ];
  const appointment = (referral_id: string, start_at: string, extra: Row = {}) => ({ appointment_id: `A-${referral_id}`, referral_id, patient_key: 'P', booked_at: '2026-05-02 09:00', start_at, ...extra });
  const appointments = [
    appointment('H3.98', '2026-05-08 09:00'), // 7 days: 0–7
    appointment('H4', '2026-05-09 09:00'), // 8 days: 8–14
    appointment('OUT', '2026-07-01 09:00', { service_line: 'dermatology' }), // 61 days, out of scope but counted
  ];
  return { referrals, referral_events, appointments };
}

describe('duration_buckets', () => {
  it('puts each referral in the bucket whose lower edge it reaches, in the window, contact for in-scope referrals only', async () => {
    w = await buildWith(fixture(), AS_OF);
    expect(
      await w.query(
        `SELECT measure, service_line, urgency, bucket_order, bucket, lower_bound, upper_bound, referrals::INTEGER AS referrals, run_id::INTEGER AS run_id
         FROM duration_buckets ORDER BY measure DESC, service_line, bucket_order`,
      ),
    ).toEqual([
      { measure: 'hours_to_contact', service_line: 'cardiology', urgency: 'routine', bucket_order: 1, bucket: '0–4 h', lower_bound: 0, upper_bound: 4, referrals: 2, run_id: 1 },
      { measure: 'hours_to_contact', service_line: 'cardiology', urgency: 'routine', bucket_order: 2, bucket: '4–24 h', lower_bound: 4, upper_bound: 24, referrals: 1, run_id: 1 },
      { measure: 'hours_to_contact', service_line: 'cardiology', urgency: 'routine', bucket_order: 5, bucket: '3–5 days', lower_bound: 72, upper_bound: 120, referrals: 1, run_id: 1 },
      { measure: 'hours_to_contact', service_line: 'cardiology', urgency: 'routine', bucket_order: 6, bucket: 'over 5 days', lower_bound: 120, upper_bound: null, referrals: 1, run_id: 1 },
      { measure: 'days_to_appointment', service_line: 'cardiology', urgency: 'routine', bucket_order: 1, bucket: '0–7 days', lower_bound: 0, upper_bound: 8, referrals: 1, run_id: 1 },
      { measure: 'days_to_appointment', service_line: 'cardiology', urgency: 'routine', bucket_order: 2, bucket: '8–14 days', lower_bound: 8, upper_bound: 15, referrals: 1, run_id: 1 },
      { measure: 'days_to_appointment', service_line: 'dermatology', urgency: 'routine', bucket_order: 5, bucket: 'over 60 days', lower_bound: 61, upper_bound: null, referrals: 1, run_id: 1 },
    ]);
  });

  it('takes its edges, labels and window from the config', async () => {
    // 60 days back from as_of: the May referrals, not EDGE-IN.
    w = await buildWith(fixture(), AS_OF, {
      ...MODEL_CONFIG,
      buckets: { window_days: 60, hours_to_contact: [{ label: 'same day', below: 24 }, { label: 'later' }] },
    });
    expect(await w.query("SELECT bucket, referrals::INTEGER AS referrals FROM duration_buckets WHERE measure = 'hours_to_contact' ORDER BY bucket_order")).toEqual([
      { bucket: 'same day', referrals: 2 },
      { bucket: 'later', referrals: 2 },
    ]);
    expect(await w.query("SELECT bucket FROM duration_buckets WHERE measure = 'days_to_appointment' ORDER BY bucket_order")).toEqual([{ bucket: '0–7 days' }, { bucket: '8–14 days' }, { bucket: 'over 60 days' }]);
  });
});
