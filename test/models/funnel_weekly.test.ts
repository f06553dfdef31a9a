// funnel_weekly: each stage counted for the ISO week of receipt, and the SLA rate over the referrals due.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('funnel_weekly');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('funnel_weekly', () => {
  it('counts each stage for the ISO week of receipt, local time, with medians of even counts averaged', async () => {
    w = await buildWith(
      {
        referrals: [
          // Sunday 23:30 local belongs to the week of Monday 2026-01-05; Monday 00:00 to the next.
          { referral_id: 'SUN', received_at: '2026-01-11 23:30', patient_key: 'P1' },
          { referral_id: 'MON', received_at: '2026-01-12 00:00', patient_key: 'P2' },
          { referral_id: 'TUE', received_at: '2026-01-06 09:00', patient_key: 'P3', documents: [] },
        ],
        referral_events: [
          { referral_id: 'SUN', event_type: 'contact_made', event_at: '2026-01-12 01:30' },
          { referral_id: 'TUE', event_type: 'contact_made', event_at: '2026-01-07 09:00' },
        ],
      },
      '2026-03-01',
    );
    expect(
      await w.query(
        `SELECT received_week, service_line, referrals::INTEGER AS referrals, in_scope::INTEGER AS in_scope, docs_complete_at_receipt::INTEGER AS complete,
                contacted::INTEGER AS contacted, scheduled::INTEGER AS scheduled, median_hours_to_contact, contact_sla_met_rate
         FROM funnel_weekly ORDER BY received_week`,
      ),
    ).toEqual([
      { received_week: '2026-01-05', service_line: 'cardiology', referrals: 2, in_scope: 2, complete: 1, contacted: 2, scheduled: 0, median_hours_to_contact: (2 + 24) / 2, contact_sla_met_rate: 1 },
      { received_week: '2026-01-12', service_line: 'cardiology', referrals: 1, in_scope: 1, complete: 1, contacted: 0, scheduled: 0, median_hours_to_contact: null, contact_sla_met_rate: 0 },
    ]);
  });
});

describe('funnel_weekly: contact SLA rate', () => {
  it('is met / due: a referral not yet due and one out of scope count in neither', async () => {
    // as_of Thursday 2026-03-05 12:00; routine SLA 72 hours (cardiology).
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'MET', patient_key: 'P1', received_at: '2026-03-02 09:00' },
          { referral_id: 'LATE', patient_key: 'P2', received_at: '2026-03-02 09:00' },
          { referral_id: 'NONE', patient_key: 'P3', received_at: '2026-03-02 10:00' }, // due 03-05 10:00: passed, missed
          { referral_id: 'NOT-DUE', patient_key: 'P4', received_at: '2026-03-02 13:00' }, // due 03-05 13:00: not yet
          { referral_id: 'OUT', patient_key: 'P5', received_at: '2026-03-02 09:00', service_line: 'dermatology' },
        ],
        referral_events: [
          { referral_id: 'MET', event_type: 'contact_made', event_at: '2026-03-05 09:00' }, // exactly 72 hours: met
          { referral_id: 'LATE', event_type: 'contact_made', event_at: '2026-03-05 09:01' },
        ],
      },
      '2026-03-05 12:00',
    );
    expect(
      await w.query(
        `SELECT service_line, referrals::INTEGER AS referrals, contact_sla_due::INTEGER AS due, contact_sla_met::INTEGER AS met, contact_sla_met_rate AS rate
         FROM funnel_weekly ORDER BY service_line`,
      ),
    ).toEqual([
      { service_line: 'cardiology', referrals: 4, due: 3, met: 1, rate: 1 / 3 },
      { service_line: 'dermatology', referrals: 1, due: 0, met: 0, rate: null },
    ]);
  });

  it('stamps every row with the as_of and the run', async () => {
    w = await buildWith({ referrals: [{ referral_id: 'R1', received_at: '2026-03-02 09:00' }] }, '2026-03-05 12:00');
    expect(await w.query("SELECT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, run_id::INTEGER AS run_id FROM funnel_weekly")).toEqual([{ as_of: '2026-03-05 12:00', run_id: 1 }]);
  });
});
