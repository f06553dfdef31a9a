// metrics.md "Linking appointments and visits to referrals".
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly } from '../helpers/models.ts';

const buildWith = buildingOnly('data_quality', 'int_appointment_links', 'int_visit_links');

let w: Warehouse | undefined;
afterEach(async () => w?.close());

const links = async (sql = 'SELECT appointment_id, linked_referral_id, link_rule FROM int_appointment_links ORDER BY appointment_id') => w!.query(sql);

describe('appointments', () => {
  it('belong to the referral their referral_id names', async () => {
    w = await buildWith(
      {
        referrals: [{ referral_id: 'R1', received_at: '2026-01-05 09:00' }],
        appointments: [{ appointment_id: 'A1', referral_id: 'R1', patient_key: 'someone-else', booked_at: '2026-01-06 09:00', start_at: '2026-01-20 09:00' }],
      },
      '2026-03-01',
    );
    expect(await links()).toEqual([{ appointment_id: 'A1', linked_referral_id: 'R1', link_rule: 'referral_id' }]);
  });

  it('without a referral id, or with an unknown one, go to the most recent referral of the patient and service line', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R1', received_at: '2026-01-05 09:00' },
          { referral_id: 'R2', received_at: '2026-01-10 09:00' },
          { referral_id: 'R3', received_at: '2026-01-12 09:00', service_line: 'imaging' },
          { referral_id: 'R4', received_at: '2026-01-20 09:00' }, // after booking: not a candidate
        ],
        appointments: [
          { appointment_id: 'A1', referral_id: null, booked_at: '2026-01-15 09:00', start_at: '2026-01-30 09:00' },
          { appointment_id: 'A2', referral_id: 'NOT-A-REFERRAL', booked_at: '2026-01-15 09:00', start_at: '2026-01-30 09:00' },
        ],
      },
      '2026-03-01',
    );
    expect(await links()).toEqual([
      { appointment_id: 'A1', linked_referral_id: 'R2', link_rule: 'patient_and_service_line' },
      { appointment_id: 'A2', linked_referral_id: 'R2', link_rule: 'patient_and_service_line' },
    ]);
  });

  it('break a tie of receipt time by the larger referral_id compared as text', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R10', received_at: '2026-01-05 09:00' },
          { referral_id: 'R9', received_at: '2026-01-05 09:00' },
        ],
        appointments: [{ appointment_id: 'A1', booked_at: '2026-01-15 09:00', start_at: '2026-01-30 09:00' }],
      },
      '2026-03-01',
    );
    // 'R9' > 'R10' as text.
    expect(await links()).toEqual([{ appointment_id: 'A1', linked_referral_id: 'R9', link_rule: 'patient_and_service_line' }]);
  });

  it('match only within match_window_days of booking, boundary included, in real hours', async () => {
    w = await buildWith(
      {
        // 120 days × 24 h before 2026-05-05 09:00 EDT is 2026-01-05 08:00 EST (the DST change moves the wall clock).
        referrals: [
          { referral_id: 'R-IN', received_at: '2026-01-05 08:00', patient_key: 'P1' },
          { referral_id: 'R-OUT', received_at: '2026-01-05 07:59', patient_key: 'P2' },
        ],
        appointments: [
          { appointment_id: 'A1', patient_key: 'P1', booked_at: '2026-05-05 09:00', start_at: '2026-05-20 09:00' },
          { appointment_id: 'A2', patient_key: 'P2', booked_at: '2026-05-05 09:00', start_at: '2026-05-20 09:00' },
        ],
      },
      '2026-06-01',
    );
    expect(await links()).toEqual([
      { appointment_id: 'A1', linked_referral_id: 'R-IN', link_rule: 'patient_and_service_line' },
      { appointment_id: 'A2', linked_referral_id: null, link_rule: null },
    ]);
    expect(await w.query("SELECT issue, detail, rows::INTEGER AS rows FROM data_quality WHERE issue = 'unlinked_appointment'")).toEqual([
      { issue: 'unlinked_appointment', detail: 'cardiology', rows: 1 },
    ]);
  });
});

describe('visits', () => {
  it("belong to their appointment's referral, else are matched like appointments on visit_at", async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R1', received_at: '2026-01-05 09:00' },
          { referral_id: 'R2', received_at: '2026-01-08 09:00', patient_key: 'P2' },
        ],
        appointments: [{ appointment_id: 'A1', referral_id: 'R1', booked_at: '2026-01-06 09:00', start_at: '2026-01-20 09:00' }],
        visits: [
          { visit_id: 'V1', appointment_id: 'A1', visit_at: '2026-01-20 09:10' },
          { visit_id: 'V2', appointment_id: null, patient_key: 'P2', visit_at: '2026-01-25 10:00' },
          { visit_id: 'V3', appointment_id: 'A-UNKNOWN', patient_key: 'P3', visit_at: '2026-01-25 10:00' },
        ],
      },
      '2026-03-01',
    );
    expect(await w.query('SELECT visit_id, linked_referral_id, link_rule FROM int_visit_links ORDER BY visit_id')).toEqual([
      { visit_id: 'V1', linked_referral_id: 'R1', link_rule: 'appointment' },
      { visit_id: 'V2', linked_referral_id: 'R2', link_rule: 'patient_and_service_line' },
      { visit_id: 'V3', linked_referral_id: null, link_rule: null },
    ]);
  });
});
