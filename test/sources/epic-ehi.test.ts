// The epic-ehi adapter on the fixture delivery: every canonical row it emits,
// every skip, quarantine and read count, checked against values worked out by
// hand from test/sources/fixtures/epic-delivery.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epicEhiAdapter } from '../../src/sources/epic-ehi/index.ts';
import {
  adapterContext,
  deliveryOf,
  EPIC_FIXTURE_CONFIG,
  EPIC_FIXTURE_FACTS,
  EPIC_FIXTURE_TABLES,
  RecordingOutput,
  writeEpicDelivery,
} from './fixtures/epic-delivery.ts';

let dir: string;
let out: RecordingOutput;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-epic-'));
  await writeEpicDelivery(dir);
  out = new RecordingOutput();
  await epicEhiAdapter.read(await deliveryOf(dir), adapterContext(EPIC_FIXTURE_CONFIG, epicEhiAdapter), out);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const byId = (rows: Record<string, unknown>[], key: string) => Object.fromEntries(rows.map((r) => [r[key], r]));

describe('epic-ehi on a delivery in the Epic shape', () => {
  it('reads every table file once, with its data-row count (header and blank lines excluded)', () => {
    expect(Object.fromEntries(out.reads)).toEqual({
      'PATIENT.tsv': 8,
      'CLARITY_DEP.txt': 4,
      'REFERRAL_2.tsv': 5,
      'PAT_ENC_APPT.tsv': 8,
      'ASSOCIATED_REFERRALS.tsv': 1,
      'CLARITY_SER_2.tsv': 3,
      'CLARITY_SER.tsv': 3,
      'REFERRAL_SOURCE.tsv': 2,
      'Referral_Hist.TSV': 18,
      'REFERRAL.tsv': 10,
      'PAT_ENC.tsv': 14,
    });
    expect(out.readCalls).toBe(11);
  });

  it('accounts for every raw row: emitted, skipped by a rule, or quarantined, exactly once', () => {
    for (const [file, { read, accounted }] of Object.entries(out.accounting())) {
      expect({ file, accounted }).toEqual({ file, accounted: read });
    }
  });

  it('skips lookup-table rows as lookup, and names the rule of every other skip', () => {
    expect(out.skipCounts()).toEqual({
      'PATIENT.tsv': { lookup: 8 },
      'CLARITY_DEP.txt': { lookup: 4 },
      'REFERRAL_2.tsv': { lookup: 5 },
      'PAT_ENC_APPT.tsv': { lookup: 8 },
      'ASSOCIATED_REFERRALS.tsv': { lookup: 1 },
      'CLARITY_SER_2.tsv': { lookup: 3 },
      'CLARITY_SER.tsv': { lookup: 1, 'not a referrer': 1 },
      'Referral_Hist.TSV': { lookup: 8, 'not a funnel event': 3 },
      'PAT_ENC.tsv': { 'not an appointment': 1, 'no referral': 1 },
    });
    const lines = (file: string, rule: string) =>
      out.skipped.filter((s) => s.origin.file === file && s.rule === rule).map((s) => s.origin.line);
    // A pend reason without a keyword (6), a Change Status to an unmapped status (11), an unmapped change type (14).
    expect(lines('Referral_Hist.TSV', 'not a funnel event')).toEqual([6, 11, 14]);
    // Create Referral rows: read for received_at.
    expect(lines('Referral_Hist.TSV', 'lookup')).toEqual([2, 3, 8, 10, 13, 15, 17, 19]);
    expect(lines('PAT_ENC.tsv', 'not an appointment')).toEqual([12]);
    expect(lines('PAT_ENC.tsv', 'no referral')).toEqual([13]);
  });

  it('quarantines rows whose field count differs from the header, naming no value', () => {
    expect(out.quarantined).toEqual([
      { origin: { file: 'REFERRAL.tsv', line: 11 }, reason: 'has 12 fields where the header has 11' },
      { origin: { file: 'PAT_ENC.tsv', line: 15 }, reason: 'has 8 fields where the header has 9' },
    ]);
  });

  it('emits one referral per REFERRAL row with every mapped column', () => {
    const referrals = byId(out.rows('referrals'), 'referral_id');
    const okafor = { referring_id: 'RP100', referring_name: 'Okafor, Ada MD', referring_npi: '1234567893' };
    const lindqvist = { referring_id: 'RP200', referring_name: 'Lindqvist, Per DO', referring_npi: '1987654328' };
    expect(referrals).toEqual({
      '5001': { referral_id: '5001', received_at: '2026-10-05 08:15:00', patient_id: 'E1001', ...okafor, service_line: 'cardiology', urgency: 'routine', referral_type: 'consult' },
      '5002': { referral_id: '5002', received_at: '2026-10-07 00:00:00', patient_id: 'E1002', ...lindqvist, service_line: 'cardiology', urgency: 'stat', referral_type: 'consult' },
      '5003': {
        referral_id: '5003', received_at: '2026-10-09T13:30:00Z', patient_id: 'E1003',
        referring_id: 'SER300', referring_name: 'Dupont, Ren\u00e9', referring_npi: '1456789019',
        service_line: 'orthopedics', urgency: 'urgent', referral_type: 'consult',
      },
      '5004': { referral_id: '5004', received_at: '2026-10-12 00:00:00', patient_id: 'E1004', ...okafor, service_line: 'Dermatology', urgency: 'routine', referral_type: 'consult' },
      '5005': { referral_id: '5005', received_at: '2026-10-13 00:05:00', patient_id: 'E1005', ...okafor, service_line: 'imaging', urgency: 'stat', referral_type: 'diagnostic' },
      '5006': { referral_id: '5006', received_at: '2026-10-14 10:00:00', patient_id: 'E1006', ...okafor, service_line: 'cardiology', urgency: 'routine', referral_type: 'consult' },
      '5007': { referral_id: '5007', received_at: '2026-10-15 07:30:00', patient_id: 'E1007', ...okafor, service_line: 'cardiology', urgency: null, referral_type: 'post_discharge' },
      '5008': { referral_id: '5008', received_at: '2026-10-16 14:20:00', patient_id: 'Z1008', ...lindqvist, service_line: 'orthopedics', urgency: 'routine', referral_type: 'consult' },
      '5009': { referral_id: '5009', received_at: '13/45/2026 9:00:00 AM', patient_id: 'E1009', ...okafor, service_line: 'cardiology', urgency: 'routine', referral_type: 'consult' },
    });
  });

  it('takes received_at from the earliest Create Referral by time, not by file order', () => {
    // Line 2 (9:40) comes first in the file; line 3 (8:15) is earlier.
    expect(byId(out.rows('referrals'), 'referral_id')['5001']?.received_at).toBe('2026-10-05 08:15:00');
  });

  it('agrees with the fixture facts on every referral received_at', () => {
    const referrals = byId(out.rows('referrals'), 'referral_id');
    for (const f of EPIC_FIXTURE_FACTS) expect({ id: f.referralId, at: referrals[f.referralId]?.received_at }).toEqual({ id: f.referralId, at: f.receivedAt });
  });

  it('emits funnel events from REFERRAL_HIST with decline reasons by keyword, and contacts from outgoing calls', () => {
    const events = out.emitted.filter((e) => e.kind === 'referral_events').map((e) => ({ ...e.row, line: e.origin.line, file: e.origin.file }));
    const hist = 'Referral_Hist.TSV';
    expect(events).toEqual([
      { file: hist, line: 4, referral_id: '5001', event_type: 'accepted', event_at: '2026-10-06 10:00:00', detail: null },
      { file: hist, line: 5, referral_id: '5002', event_type: 'doc_requested', event_at: '2026-10-07 15:30:00', detail: null },
      { file: hist, line: 7, referral_id: '5002', event_type: 'accepted', event_at: '2026-10-08 08:00:00', detail: null },
      // CHANGE_LOCAL_DTTM wins over CHANGE_DATETIME; "not offered" → out_of_scope.
      { file: hist, line: 9, referral_id: '5003', event_type: 'declined', event_at: '2026-10-10 09:00:00', detail: 'out_of_scope' },
      { file: hist, line: 12, referral_id: '5005', event_type: 'cancelled', event_at: '2026-10-14 12:30:00', detail: null },
      // "Clinical … duplicate …": clinical comes before duplicate in the keyword order.
      { file: hist, line: 16, referral_id: '5007', event_type: 'declined', event_at: '2026-10-15 11:00:00', detail: 'clinical' },
      { file: hist, line: 18, referral_id: '5008', event_type: 'doc_requested', event_at: '2026-10-16 16:45:00', detail: null },
      // Time of day from PAT_ENC_APPT put on CONTACT_DATE; without one, CONTACT_DATE at midnight.
      { file: 'PAT_ENC.tsv', line: 2, referral_id: '5001', event_type: 'contact_made', event_at: '2026-10-06 14:05:00' },
      { file: 'PAT_ENC.tsv', line: 6, referral_id: '5002', event_type: 'contact_made', event_at: '2026-10-08 00:00:00' },
      { file: 'PAT_ENC.tsv', line: 10, referral_id: '5008', event_type: 'contact_made', event_at: '2026-10-17 00:00:00' },
    ]);
  });

  it('emits an appointment per PAT_ENC row with a status, unknown statuses as written', () => {
    const appointments = out.rows('appointments');
    expect(appointments).toEqual([
      { appointment_id: '7003', referral_id: '5001', patient_id: 'E1001', service_line: 'cardiology', booked_at: '2026-10-20 09:30:00', start_at: '2026-11-17 00:00:00', status: 'completed' },
      // PAT_ENC_APPT LINE 1 (9:00) wins over LINE 2 (2:30 PM), written before it.
      { appointment_id: '7002', referral_id: '5001', patient_id: 'E1001', service_line: 'cardiology', booked_at: '2026-10-07 11:12:13', start_at: '2026-10-20 09:00:00', status: 'completed' },
      // Referral from ASSOCIATED_REFERRALS; APPT_MADE_DTTM holding a date alone is midnight.
      { appointment_id: '7004', referral_id: '5002', patient_id: 'E1002', service_line: 'cardiology', booked_at: '2026-10-09 00:00:00', start_at: '2026-12-03 10:30:00', status: 'booked' },
      { appointment_id: '7006', referral_id: '5005', patient_id: 'E1005', service_line: 'imaging', booked_at: '2026-10-13 08:00:00', start_at: '2026-10-13 15:00:00', status: 'no_show' },
      { appointment_id: '7007', referral_id: '5006', patient_id: 'E1006', service_line: 'cardiology', booked_at: '2026-10-14 11:00:00', start_at: '2026-10-16 13:00:00', status: 'no_show' },
      { appointment_id: '7008', referral_id: null, patient_id: 'E1006', service_line: 'cardiology', booked_at: '2026-10-16 14:00:00', start_at: '2026-10-21 10:00:00', status: 'completed' },
      // The Windows-1252 department name (0x92) matches its alias; 24-hour PROV_START_TIME.
      { appointment_id: '7010', referral_id: '5008', patient_id: 'Z1008', service_line: 'orthopedics', booked_at: null, start_at: '2026-10-30 14:15:00', status: 'completed' },
      // 'Pending' is in no map: emitted as written, for the canonical validation to quarantine naming it.
      { appointment_id: '7013', referral_id: '5004', patient_id: 'E1004', service_line: 'Dermatology Associates', booked_at: null, start_at: '2026-10-20 00:00:00', status: 'Pending' },
    ]);
  });

  it('emits a visit per completed encounter, both visits of a referral, the summary on the first by time only', () => {
    expect(out.rows('visits')).toEqual([
      { visit_id: '7003', referral_id: '5001', appointment_id: '7003', patient_id: 'E1001', service_line: 'cardiology', visit_at: '2026-11-17 00:00:00', summary_sent_at: null },
      { visit_id: '7002', referral_id: '5001', appointment_id: '7002', patient_id: 'E1001', service_line: 'cardiology', visit_at: '2026-10-20 09:00:00', summary_sent_at: '2026-10-22 00:00:00' },
      { visit_id: '7008', referral_id: null, appointment_id: '7008', patient_id: 'E1006', service_line: 'cardiology', visit_at: '2026-10-21 10:00:00', summary_sent_at: null },
      { visit_id: '7010', referral_id: '5008', appointment_id: '7010', patient_id: 'Z1008', service_line: 'orthopedics', visit_at: '2026-10-30 14:15:00', summary_sent_at: '2026-10-30 17:00:00' },
    ]);
  });

  it('emits providers from REFERRAL_SOURCE and from the CLARITY_SER rows a referral names, decoding Windows-1252', () => {
    const providers = out.emitted.filter((e) => e.kind === 'providers').map((e) => ({ ...e.row, at: `${e.origin.file}:${e.origin.line}` }));
    expect(providers).toEqual([
      // A quoted field is unwrapped and its doubled quotes undoubled.
      { at: 'REFERRAL_SOURCE.tsv:2', provider_id: 'RP100', name: 'Okafor, Ada "Dee" MD', npi: '1234567893' },
      // No NPI in REFERRAL_SOURCE: CLARITY_SER_2's.
      { at: 'REFERRAL_SOURCE.tsv:3', provider_id: 'RP200', name: 'Lindqvist, Per DO', npi: '1987654328' },
      { at: 'CLARITY_SER.tsv:3', provider_id: 'SER300', name: 'Dupont, Ren\u00e9', npi: '1456789019' },
    ]);
  });

  it('counts fallbacks as issues, with code values quoted and no patient value', () => {
    expect(out.issues).toEqual([
      { file: 'REFERRAL.tsv', column: 'urgency', reason: "PRIORITY_C_NAME 'Elective' is not in the urgency map: routine" },
      { file: 'REFERRAL.tsv', column: 'referral_type', reason: "RFL_TYPE_C_NAME 'Second Opinion' is not in the referral_type map: consult" },
      { file: 'REFERRAL.tsv', column: 'patient_id', reason: 'PAT_ID has no PAT_MRN_ID in PATIENT: the PAT_ID is used as patient_id' },
      { file: 'PAT_ENC.tsv', column: 'patient_id', reason: 'PAT_ID has no PAT_MRN_ID in PATIENT: the PAT_ID is used as patient_id' },
    ]);
  });

  it('puts no PHI value (PAT_ID, MRN, patient name, birth date) in a reason', () => {
    const phi = EPIC_FIXTURE_TABLES['PATIENT.tsv']!.rows.flat();
    const reasons = [...out.issues.map((i) => i.reason), ...out.quarantined.map((q) => q.reason), ...out.skipped.map((s) => s.rule)];
    for (const reason of reasons) for (const value of [...phi, 'Z1008']) expect(reason).not.toContain(value);
  });

  it('never emits a patient name or birth date column', () => {
    for (const e of out.emitted) {
      expect(Object.keys(e.row)).not.toContain('patient_name');
      expect(Object.keys(e.row)).not.toContain('patient_birth_date');
    }
  });
});
