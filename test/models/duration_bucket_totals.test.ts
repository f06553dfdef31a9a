// duration_bucket_totals: duration_buckets with its totals over service
// lines, urgencies, or both.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('duration_bucket_totals', 'duration_buckets');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const AS_OF = '2026-06-01 12:00';

const referral = (referral_id: string, extra: Row = {}): Row => ({ referral_id, patient_key: referral_id, received_at: '2026-05-01 09:00', ...extra });
const contact = (referral_id: string, event_at: string): Row => ({ referral_id, event_type: 'contact_made', event_at });

describe('duration_bucket_totals', () => {
  it('sums the buckets over lines and urgencies, each bucket keeping its order and label', async () => {
    const imaging = { service_line: 'imaging', referral_type: 'diagnostic', documents: ['order'] };
    w = await buildWith(
      {
        referrals: [referral('C1'), referral('C2', { urgency: 'urgent' }), referral('I1', imaging), referral('I2', { ...imaging, urgency: 'urgent' })],
        // All in 0–4 h but I2, 4–24 h.
        referral_events: [contact('C1', '2026-05-01 10:00'), contact('C2', '2026-05-01 11:00'), contact('I1', '2026-05-01 12:00'), contact('I2', '2026-05-01 14:00')],
      },
      AS_OF,
    );
    expect(
      await w.query(
        `SELECT service_line, urgency, bucket_order, bucket, referrals::INTEGER AS referrals FROM duration_bucket_totals
         WHERE measure = 'hours_to_contact' AND (service_line = 'all' OR urgency = 'all') ORDER BY service_line, urgency, bucket_order`,
      ),
    ).toEqual([
      { service_line: 'all', urgency: 'all', bucket_order: 1, bucket: '0–4 h', referrals: 3 },
      { service_line: 'all', urgency: 'all', bucket_order: 2, bucket: '4–24 h', referrals: 1 },
      { service_line: 'all', urgency: 'routine', bucket_order: 1, bucket: '0–4 h', referrals: 2 },
      { service_line: 'all', urgency: 'urgent', bucket_order: 1, bucket: '0–4 h', referrals: 1 },
      { service_line: 'all', urgency: 'urgent', bucket_order: 2, bucket: '4–24 h', referrals: 1 },
      { service_line: 'cardiology', urgency: 'all', bucket_order: 1, bucket: '0–4 h', referrals: 2 },
      { service_line: 'imaging', urgency: 'all', bucket_order: 1, bucket: '0–4 h', referrals: 1 },
      { service_line: 'imaging', urgency: 'all', bucket_order: 2, bucket: '4–24 h', referrals: 1 },
    ]);
    // The cells themselves are duration_buckets' own.
    const [same] = await w.query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM duration_bucket_totals t JOIN duration_buckets b USING (measure, service_line, urgency, bucket_order)
       WHERE t.referrals = b.referrals`,
    );
    const [cells] = await w.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM duration_buckets');
    expect(same!.n).toBe(cells!.n);
  });
});
