// metrics.md fct_referrals, one definition per test; expectations by hand.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, local } from '../helpers/models.ts';

const buildWith = buildingOnly('data_quality', 'fct_referrals');

let w: Warehouse | undefined;
afterEach(async () => w?.close());

const fct = (columns: string) => w!.query(`SELECT referral_id, ${columns} FROM fct_referrals ORDER BY referral_id`);

describe('contact SLA', () => {
  // Routine cardiology SLA: 72 hours (the default). Received Monday 2026-02-02 09:00.
  const received = '2026-02-02 09:00';
  const contact = (referral_id: string, at: string) => ({ referral_id, event_type: 'contact_made', event_at: at });

  it('is met within the SLA (boundary included), missed when late or not contacted once due, null before due', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'MET', received_at: received },
          { referral_id: 'BOUNDARY', received_at: received },
          { referral_id: 'LATE', received_at: received },
          { referral_id: 'NEVER', received_at: received },
          { referral_id: 'NOT-DUE', received_at: '2026-02-04 09:00' },
        ],
        referral_events: [contact('MET', '2026-02-03 09:00'), contact('BOUNDARY', '2026-02-05 09:00'), contact('LATE', '2026-02-05 09:01')],
      },
      '2026-02-06 12:00',
    );
    expect(await fct('hours_to_contact, contact_sla_hours, contact_sla_met')).toEqual([
      { referral_id: 'BOUNDARY', hours_to_contact: 72, contact_sla_hours: 72, contact_sla_met: true },
      { referral_id: 'LATE', hours_to_contact: 72 + 1 / 60, contact_sla_hours: 72, contact_sla_met: false },
      { referral_id: 'MET', hours_to_contact: 24, contact_sla_hours: 72, contact_sla_met: true },
      { referral_id: 'NEVER', hours_to_contact: null, contact_sla_hours: 72, contact_sla_met: false },
      // Due 2026-02-07 09:00, after as_of.
      { referral_id: 'NOT-DUE', hours_to_contact: null, contact_sla_hours: 72, contact_sla_met: null },
    ]);
  });

  it("uses the service line's own SLA and the urgency's", async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'IMAGING', received_at: received, service_line: 'imaging', referral_type: 'diagnostic', documents: ['order'] },
          { referral_id: 'STAT', received_at: received, urgency: 'stat' },
        ],
      },
      '2026-02-06 12:00',
    );
    expect(await fct('contact_sla_hours')).toEqual([
      { referral_id: 'IMAGING', contact_sla_hours: 48 },
      { referral_id: 'STAT', contact_sla_hours: 4 },
    ]);
  });

  it('is null for referrals declined or out of scope', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'DECLINED', received_at: received },
          { referral_id: 'OTHER-LINE', received_at: received, service_line: 'dermatology' },
          { referral_id: 'TRIAGED-OUT', received_at: received },
        ],
        referral_events: [
          { referral_id: 'DECLINED', event_type: 'declined', event_at: '2026-02-02 10:00', detail: 'insurance' },
          { referral_id: 'DECLINED', event_type: 'declined', event_at: '2026-02-02 11:00', detail: 'clinical' },
          { referral_id: 'TRIAGED-OUT', event_type: 'declined', event_at: '2026-02-02 10:00', detail: 'out_of_scope' },
        ],
      },
      '2026-02-20',
    );
    expect(await fct('in_scope, declined, decline_reason, contact_sla_met, leaked')).toEqual([
      { referral_id: 'DECLINED', in_scope: true, declined: true, decline_reason: 'insurance', contact_sla_met: null, leaked: false },
      { referral_id: 'OTHER-LINE', in_scope: false, declined: false, decline_reason: null, contact_sla_met: null, leaked: false },
      { referral_id: 'TRIAGED-OUT', in_scope: false, declined: true, decline_reason: 'out_of_scope', contact_sla_met: null, leaked: false },
    ]);
  });
});

describe('time across a daylight-saving change', () => {
  it('counts real elapsed hours, and calendar days between local dates', async () => {
    // 2026-03-08 02:00 EST becomes 03:00 EDT: noon to noon is 23 real hours.
    w = await buildWith(
      {
        referrals: [{ referral_id: 'R1', received_at: '2026-03-07 12:00' }],
        referral_events: [{ referral_id: 'R1', event_type: 'contact_made', event_at: '2026-03-08 12:00' }],
        appointments: [{ appointment_id: 'A1', referral_id: 'R1', booked_at: '2026-03-08 12:05', start_at: '2026-03-10 00:30', status: 'booked' }],
      },
      '2026-03-09',
    );
    expect(await fct('hours_to_contact, days_to_appointment, received_week')).toEqual([
      { referral_id: 'R1', hours_to_contact: 23, days_to_appointment: 3, received_week: '2026-03-02' },
    ]);
  });
});

describe('appointments', () => {
  it('count any status for first booked, skip cancelled for the first appointment, and count no-shows that started by as_of', async () => {
    w = await buildWith(
      {
        referrals: [{ referral_id: 'R1', received_at: '2026-01-05 09:00' }],
        appointments: [
          { appointment_id: 'A1', referral_id: 'R1', booked_at: '2026-01-06 09:00', start_at: '2026-01-10 09:00', status: 'cancelled' },
          { appointment_id: 'A2', referral_id: 'R1', booked_at: '2026-01-07 09:00', start_at: '2026-01-20 09:00', status: 'no_show' },
          // Started after as_of: not yet a no-show, whatever the latest extract says.
          { appointment_id: 'A3', referral_id: 'R1', booked_at: '2026-01-21 09:00', start_at: '2026-02-20 09:00', status: 'no_show' },
          // Booked after as_of: not known.
          { appointment_id: 'A4', referral_id: 'R1', booked_at: '2026-02-05 09:00', start_at: '2026-01-08 09:00', status: 'completed' },
        ],
      },
      '2026-02-01',
    );
    expect(await fct(`${local('first_booked_at')}, ${local('first_appointment_at')}, days_to_appointment, no_shows, is_scheduled`)).toEqual([
      { referral_id: 'R1', first_booked_at: '2026-01-06 09:00', first_appointment_at: '2026-01-20 09:00', days_to_appointment: 15, no_shows: 1, is_scheduled: true },
    ]);
  });

  it('count a future appointment (booked by as_of) as the first appointment', async () => {
    w = await buildWith(
      {
        referrals: [{ referral_id: 'R1', received_at: '2026-01-05 09:00' }],
        appointments: [{ appointment_id: 'A1', referral_id: 'R1', booked_at: '2026-01-06 09:00', start_at: '2026-03-01 09:00', status: 'booked' }],
      },
      '2026-02-01',
    );
    expect(await fct(`${local('first_appointment_at')}, days_to_appointment`)).toEqual([
      { referral_id: 'R1', first_appointment_at: '2026-03-01 09:00', days_to_appointment: 55 },
    ]);
  });
});

describe('documents', () => {
  it('complete at receipt, or when the last missing document first arrives, or not while one is missing', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'COMPLETE', received_at: '2026-01-05 09:00' },
          { referral_id: 'LATER', received_at: '2026-01-05 09:00', documents: [] },
          { referral_id: 'MISSING', received_at: '2026-01-05 09:00', documents: ['clinical_notes'] },
          { referral_id: 'EARLY', received_at: '2026-01-05 09:00', documents: ['clinical_notes'] },
          { referral_id: 'NONE-NEEDED', received_at: '2026-01-05 09:00', referral_type: 'diagnostic', documents: [] },
          { referral_id: 'OUT', received_at: '2026-01-05 09:00', service_line: 'dermatology' },
        ],
        referral_events: [
          { referral_id: 'LATER', event_type: 'doc_received', event_at: '2026-01-06 10:00', detail: 'insurance_card' },
          { referral_id: 'LATER', event_type: 'doc_received', event_at: '2026-01-08 15:00', detail: 'clinical_notes' },
          { referral_id: 'LATER', event_type: 'doc_received', event_at: '2026-01-09 15:00', detail: 'clinical_notes' },
          { referral_id: 'MISSING', event_type: 'doc_received', event_at: '2026-01-06 10:00', detail: 'lab_results' },
          // After as_of: not yet arrived.
          { referral_id: 'MISSING', event_type: 'doc_received', event_at: '2026-03-01 10:00', detail: 'insurance_card' },
          // Recorded before receipt: counts as at receipt, never a negative time.
          { referral_id: 'EARLY', event_type: 'doc_received', event_at: '2026-01-04 10:00', detail: 'insurance_card' },
        ],
      },
      '2026-02-01',
    );
    expect(await fct(`docs_complete_at_receipt, ${local('docs_completed_at')}, is_docs_complete`)).toEqual([
      { referral_id: 'COMPLETE', docs_complete_at_receipt: true, docs_completed_at: '2026-01-05 09:00', is_docs_complete: true },
      { referral_id: 'EARLY', docs_complete_at_receipt: false, docs_completed_at: '2026-01-05 09:00', is_docs_complete: true },
      { referral_id: 'LATER', docs_complete_at_receipt: false, docs_completed_at: '2026-01-08 15:00', is_docs_complete: true },
      { referral_id: 'MISSING', docs_complete_at_receipt: false, docs_completed_at: null, is_docs_complete: false },
      { referral_id: 'NONE-NEEDED', docs_complete_at_receipt: true, docs_completed_at: '2026-01-05 09:00', is_docs_complete: true },
      { referral_id: 'OUT', docs_complete_at_receipt: null, docs_completed_at: null, is_docs_complete: false },
    ]);
  });
});

describe('leakage', () => {
  it('is false with a visit within the window, true once the window passed without one, null until then', async () => {
    // Window: 90 × 24 hours. Received 2026-01-05 09:00 EST; the window ends 2026-04-05 10:00 EDT.
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'VISITED', received_at: '2026-01-05 09:00', patient_key: 'P1' },
          { referral_id: 'VISITED-AT-EDGE', received_at: '2026-01-05 09:00', patient_key: 'P2' },
          { referral_id: 'VISITED-TOO-LATE', received_at: '2026-01-05 09:00', patient_key: 'P3' },
          { referral_id: 'NO-VISIT', received_at: '2026-01-05 09:00', patient_key: 'P4' },
          { referral_id: 'IMMATURE', received_at: '2026-01-06 09:00', patient_key: 'P5' },
        ],
        visits: [
          { visit_id: 'V1', patient_key: 'P1', visit_at: '2026-02-01 09:00' },
          { visit_id: 'V2', patient_key: 'P2', visit_at: '2026-04-05 10:00' },
          { visit_id: 'V3', patient_key: 'P3', visit_at: '2026-04-05 10:01' },
        ],
      },
      '2026-04-06',
    );
    expect(await fct('has_visit_within_leakage_window, is_leakage_window_passed, leaked, is_completed')).toEqual([
      { referral_id: 'IMMATURE', has_visit_within_leakage_window: false, is_leakage_window_passed: false, leaked: null, is_completed: false },
      { referral_id: 'NO-VISIT', has_visit_within_leakage_window: false, is_leakage_window_passed: true, leaked: true, is_completed: false },
      { referral_id: 'VISITED', has_visit_within_leakage_window: true, is_leakage_window_passed: true, leaked: false, is_completed: true },
      { referral_id: 'VISITED-AT-EDGE', has_visit_within_leakage_window: true, is_leakage_window_passed: true, leaked: false, is_completed: true },
      { referral_id: 'VISITED-TOO-LATE', has_visit_within_leakage_window: false, is_leakage_window_passed: true, leaked: true, is_completed: true },
    ]);
  });
});

describe('as_of and impossible sequences', () => {
  it('ignores what happened after as_of', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R1', received_at: '2026-01-05 09:00' },
          { referral_id: 'R-FUTURE', received_at: '2026-02-02 09:00' },
        ],
        referral_events: [{ referral_id: 'R1', event_type: 'contact_made', event_at: '2026-02-01 00:00:01' }],
        visits: [{ visit_id: 'V1', patient_key: 'P1', visit_at: '2026-01-20 09:00', summary_sent_at: '2026-02-03 09:00' }],
      },
      '2026-02-01',
    );
    expect(await fct(`first_contact_at, ${local('completed_visit_at')}, loop_closed_at`)).toEqual([
      { referral_id: 'R1', first_contact_at: null, completed_visit_at: '2026-01-20 09:00', loop_closed_at: null },
    ]);
  });

  it('flags a contact or visit before receipt and never returns a negative duration', async () => {
    w = await buildWith(
      {
        referrals: [{ referral_id: 'R1', received_at: '2026-01-05 09:00' }],
        referral_events: [{ referral_id: 'R1', event_type: 'contact_made', event_at: '2026-01-04 09:00' }],
      },
      '2026-02-01',
    );
    expect(await fct('hours_to_contact, contact_sla_met, has_impossible_sequence, is_contacted')).toEqual([
      { referral_id: 'R1', hours_to_contact: null, contact_sla_met: null, has_impossible_sequence: true, is_contacted: true },
    ]);
    expect(await w.query("SELECT detail, rows::INTEGER AS rows FROM data_quality WHERE issue = 'impossible_sequence'")).toEqual([
      { detail: 'contact before the referral arrived', rows: 1 },
    ]);
  });
});

describe('windows that end at as_of', () => {
  it('are not yet past at their last instant: no SLA verdict and no leakage while as_of is the due moment itself', async () => {
    // as_of 2026-01-08 09:00: DUE-NOW's 72-hour SLA ends at as_of, DUE-BEFORE's a minute earlier. LEAK-NOW's
    // 90 × 24-hour leakage window (received 2025-10-10 10:00 EDT) ends at as_of too, LEAK-BEFORE's a minute earlier.
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'DUE-NOW', patient_key: 'P1', received_at: '2026-01-05 09:00' },
          { referral_id: 'DUE-BEFORE', patient_key: 'P2', received_at: '2026-01-05 08:59' },
          { referral_id: 'LEAK-NOW', patient_key: 'P3', received_at: '2025-10-10 10:00' },
          { referral_id: 'LEAK-BEFORE', patient_key: 'P4', received_at: '2025-10-10 09:59' },
        ],
      },
      '2026-01-08 09:00',
    );
    expect(await fct('contact_sla_met, is_leakage_window_passed, leaked')).toEqual([
      { referral_id: 'DUE-BEFORE', contact_sla_met: false, is_leakage_window_passed: false, leaked: null },
      { referral_id: 'DUE-NOW', contact_sla_met: null, is_leakage_window_passed: false, leaked: null },
      { referral_id: 'LEAK-BEFORE', contact_sla_met: false, is_leakage_window_passed: true, leaked: true },
      { referral_id: 'LEAK-NOW', contact_sla_met: false, is_leakage_window_passed: false, leaked: null },
    ]);
  });
});
