// The contract additions in the models (metrics.md): linking rule 0 (a visit's
// own referral_id), appointments without booked_at, and a referral's source
// resolved through the providers directory's provider_id.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('data_quality', 'fct_referrals', 'funnel_weekly', 'int_appointment_links', 'int_appointments', 'int_patient_matches', 'int_source_names', 'int_visit_links', 'outreach_priorities', 'source_quality');

let w: Warehouse | undefined;
afterEach(async () => w?.close());

const NPI_A = '1234567893';
const NPI_B = '1245319599';
const seconds = (column: string) => `strftime(${column}, '%Y-%m-%d %H:%M:%S') AS ${column}`;
const visitLinks = () => w!.query('SELECT visit_id, linked_referral_id, link_rule FROM int_visit_links ORDER BY visit_id');
const appointmentLinks = () => w!.query('SELECT appointment_id, linked_referral_id, link_rule FROM int_appointment_links ORDER BY appointment_id');
const sources = () => w!.query('SELECT referral_id, source FROM fct_referrals ORDER BY referral_id');

describe('linking rule 0: a visit that names its referral', () => {
  // R-OLD and R-NEW are the same patient and service line; rule 2 would pick R-NEW (the most recent).
  const referrals: Row[] = [
    { referral_id: 'R-OLD', received_at: '2026-01-05 09:00' },
    { referral_id: 'R-NEW', received_at: '2026-01-12 09:00' },
  ];

  it("belongs to the referral its referral_id names, before its appointment's referral and the patient match", async () => {
    w = await buildWith(
      {
        referrals,
        appointments: [{ appointment_id: 'AP-NEW', referral_id: 'R-NEW', booked_at: '2026-01-13 09:00', start_at: '2026-01-20 09:00' }],
        visits: [
          // Its appointment links to R-NEW (rule 3), but it names R-OLD.
          { visit_id: 'V-NAMED-VIA-APPT', referral_id: 'R-OLD', appointment_id: 'AP-NEW', visit_at: '2026-01-20 09:10' },
          // No appointment: rule 2 would give R-NEW, but it names R-OLD.
          { visit_id: 'V-NAMED-NO-APPT', referral_id: 'R-OLD', appointment_id: null, visit_at: '2026-01-25 10:00' },
          // Near miss: the same visit without a referral_id follows its appointment.
          { visit_id: 'V-UNNAMED', referral_id: null, appointment_id: 'AP-NEW', visit_at: '2026-01-20 09:20' },
        ],
      },
      '2026-03-01',
    );
    expect(await visitLinks()).toEqual([
      { visit_id: 'V-NAMED-NO-APPT', linked_referral_id: 'R-OLD', link_rule: 'referral_id' },
      { visit_id: 'V-NAMED-VIA-APPT', linked_referral_id: 'R-OLD', link_rule: 'referral_id' },
      { visit_id: 'V-UNNAMED', linked_referral_id: 'R-NEW', link_rule: 'appointment' },
    ]);
    expect(await w.query("SELECT completed_visit_at IS NOT NULL AS is_completed, referral_id FROM fct_referrals ORDER BY referral_id")).toEqual([
      { is_completed: true, referral_id: 'R-NEW' },
      { is_completed: true, referral_id: 'R-OLD' },
    ]);
  });

  it('needs no patient match for a visit that names a known referral', async () => {
    w = await buildWith(
      {
        referrals,
        visits: [
          { visit_id: 'V-NAMED', referral_id: 'R-OLD', visit_at: '2026-01-25 10:00' },
          { visit_id: 'V-UNKNOWN-ID', referral_id: 'NOT-A-REFERRAL', visit_at: '2026-01-25 10:00' },
        ],
      },
      '2026-03-01',
    );
    expect(await w.query("SELECT record_id, referral_id FROM int_patient_matches WHERE record_type = 'visit' ORDER BY record_id")).toEqual([
      { record_id: 'V-UNKNOWN-ID', referral_id: 'R-NEW' },
    ]);
  });

  it('with an unknown referral_id, falls back to the appointment (rule 3), then to the patient match (rule 2)', async () => {
    w = await buildWith(
      {
        referrals,
        appointments: [{ appointment_id: 'AP-OLD', referral_id: 'R-OLD', booked_at: '2026-01-06 09:00', start_at: '2026-01-20 09:00' }],
        visits: [
          { visit_id: 'V-APPT', referral_id: 'NOT-A-REFERRAL', appointment_id: 'AP-OLD', visit_at: '2026-01-20 09:10' },
          { visit_id: 'V-PATIENT', referral_id: 'NOT-A-REFERRAL', appointment_id: null, visit_at: '2026-01-25 10:00' },
        ],
      },
      '2026-03-01',
    );
    expect(await visitLinks()).toEqual([
      { visit_id: 'V-APPT', linked_referral_id: 'R-OLD', link_rule: 'appointment' },
      { visit_id: 'V-PATIENT', linked_referral_id: 'R-NEW', link_rule: 'patient_and_service_line' },
    ]);
  });

  it('does not link by a referral_id received after as_of; one received exactly at as_of counts', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R-EARLY', received_at: '2026-01-05 09:00', patient_key: 'P1' },
          { referral_id: 'R-LATE', received_at: '2026-03-01 00:00:01', patient_key: 'P1' },
          { referral_id: 'R-AT-AS-OF', received_at: '2026-03-01 00:00', patient_key: 'P2' },
        ],
        visits: [
          { visit_id: 'V-LATE', referral_id: 'R-LATE', patient_key: 'P1', visit_at: '2026-02-20 10:00' },
          { visit_id: 'V-AT-AS-OF', referral_id: 'R-AT-AS-OF', patient_key: 'P2', visit_at: '2026-02-20 10:00' },
        ],
      },
      '2026-03-01',
    );
    expect(await visitLinks()).toEqual([
      { visit_id: 'V-AT-AS-OF', linked_referral_id: 'R-AT-AS-OF', link_rule: 'referral_id' },
      { visit_id: 'V-LATE', linked_referral_id: 'R-EARLY', link_rule: 'patient_and_service_line' },
    ]);
  });
});

describe('appointments without booked_at', () => {
  it('are known at as_of from the earlier of start_at and first_loaded_at, boundary included', async () => {
    const unbooked = (appointment_id: string, start_at: string, first_loaded_at: string): Row => ({
      appointment_id, referral_id: 'R1', booked_at: null, start_at, first_loaded_at, status: 'booked',
    });
    w = await buildWith(
      {
        referrals: [{ referral_id: 'R1', received_at: '2026-01-05 09:00' }],
        appointments: [
          unbooked('STARTS-AT-AS-OF', '2026-03-01 00:00', '2026-03-05 09:00'),
          unbooked('LOADED-AT-AS-OF', '2026-03-10 09:00', '2026-03-01 00:00'),
          unbooked('STARTS-1S-LATER', '2026-03-01 00:00:01', '2026-03-05 09:00'),
          unbooked('LOADED-1S-LATER', '2026-03-10 09:00', '2026-03-01 00:00:01'),
        ],
      },
      '2026-03-01',
    );
    expect(await w.query(`SELECT appointment_id, ${seconds('known_at')} FROM int_appointments ORDER BY appointment_id`)).toEqual([
      { appointment_id: 'LOADED-AT-AS-OF', known_at: '2026-03-01 00:00:00' },
      { appointment_id: 'STARTS-AT-AS-OF', known_at: '2026-03-01 00:00:00' },
    ]);
  });

  it('match by rule 2 on start_at, within match_window_days × 24 real hours, boundary included', async () => {
    // 120 × 24 h before 2026-05-05 09:00 EDT is 2026-01-05 08:00 EST (the DST change moves the wall clock).
    const unbooked = (appointment_id: string, patient_key: string): Row => ({
      appointment_id, patient_key, booked_at: null, start_at: '2026-05-05 09:00', first_loaded_at: '2026-04-01 09:00',
    });
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R-EDGE', received_at: '2026-01-05 08:00', patient_key: 'P1' },
          { referral_id: 'R-1S-OUT', received_at: '2026-01-05 07:59:59', patient_key: 'P2' },
          // After the appointment was first loaded but before it starts: start_at is the moment matched.
          { referral_id: 'R-AFTER-LOAD', received_at: '2026-04-15 09:00', patient_key: 'P3' },
        ],
        appointments: [unbooked('A-EDGE', 'P1'), unbooked('A-1S-OUT', 'P2'), unbooked('A-AFTER-LOAD', 'P3')],
      },
      '2026-06-01',
    );
    expect(await appointmentLinks()).toEqual([
      { appointment_id: 'A-1S-OUT', linked_referral_id: null, link_rule: null },
      { appointment_id: 'A-AFTER-LOAD', linked_referral_id: 'R-AFTER-LOAD', link_rule: 'patient_and_service_line' },
      { appointment_id: 'A-EDGE', linked_referral_id: 'R-EDGE', link_rule: 'patient_and_service_line' },
    ]);
  });

  it('leave first_booked_at to the known booking times, null when none is known', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R-MIXED', received_at: '2026-01-05 09:00', patient_key: 'P1' },
          { referral_id: 'R-NONE-KNOWN', received_at: '2026-01-05 09:00', patient_key: 'P2' },
        ],
        appointments: [
          // Known (from its first load) before the other was booked, but its own booking time is unknown.
          { appointment_id: 'A1', referral_id: 'R-MIXED', patient_key: 'P1', booked_at: null, first_loaded_at: '2026-01-07 09:00', start_at: '2026-01-10 09:00' },
          { appointment_id: 'A2', referral_id: 'R-MIXED', patient_key: 'P1', booked_at: '2026-01-08 09:00', start_at: '2026-01-20 09:00' },
          { appointment_id: 'A3', referral_id: 'R-NONE-KNOWN', patient_key: 'P2', booked_at: null, first_loaded_at: '2026-01-07 09:00', start_at: '2026-01-10 09:00' },
        ],
      },
      '2026-03-01',
    );
    expect(await w.query(`SELECT referral_id, ${seconds('first_booked_at')}, ${seconds('first_scheduled_at')} FROM fct_referrals ORDER BY referral_id`)).toEqual([
      { referral_id: 'R-MIXED', first_booked_at: '2026-01-08 09:00:00', first_scheduled_at: '2026-01-07 09:00:00' },
      { referral_id: 'R-NONE-KNOWN', first_booked_at: null, first_scheduled_at: '2026-01-07 09:00:00' },
    ]);
  });

  it('count as scheduled once known at as_of, any status; not before', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'R-CANCELLED', received_at: '2026-02-02 09:00', patient_key: 'P1' },
          { referral_id: 'R-NOT-YET-KNOWN', received_at: '2026-02-02 09:00', patient_key: 'P2' },
        ],
        appointments: [
          { appointment_id: 'A1', referral_id: 'R-CANCELLED', patient_key: 'P1', booked_at: null, first_loaded_at: '2026-02-10 09:00', start_at: '2026-03-10 09:00', status: 'cancelled' },
          { appointment_id: 'A2', referral_id: 'R-NOT-YET-KNOWN', patient_key: 'P2', booked_at: null, first_loaded_at: '2026-03-02 09:00', start_at: '2026-03-10 09:00', status: 'booked' },
        ],
      },
      '2026-03-01',
    );
    expect(await w.query('SELECT referral_id, is_scheduled FROM fct_referrals ORDER BY referral_id')).toEqual([
      { referral_id: 'R-CANCELLED', is_scheduled: true },
      { referral_id: 'R-NOT-YET-KNOWN', is_scheduled: false },
    ]);
    expect(await w.query('SELECT referrals::INTEGER AS referrals, scheduled::INTEGER AS scheduled FROM funnel_weekly')).toEqual([{ referrals: 2, scheduled: 1 }]);
  });
});

describe("a referral's source", () => {
  const asOf = '2026-03-01';
  const referral = (referral_id: string, extra: Row): Row => ({ referral_id, patient_key: referral_id, received_at: '2026-01-05 09:00', ...extra });

  it('is its valid referring NPI, even when its referring_id names another directory clinician', async () => {
    w = await buildWith(
      {
        providers: [{ npi: NPI_B, provider_id: 'EPIC-2', name: 'Dr B' }],
        referrals: [referral('R1', { referring_npi: NPI_A, referring_id: 'EPIC-2' })],
      },
      asOf,
    );
    expect(await sources()).toEqual([{ referral_id: 'R1', source: NPI_A }]);
  });

  it("is the directory entry's NPI when its referring_id is that entry's provider_id, so NPI and id make one source", async () => {
    w = await buildWith(
      {
        providers: [{ npi: NPI_B, provider_id: 'EPIC-2', name: 'Dr B' }],
        referrals: [
          referral('BY-ID', { referring_id: 'EPIC-2' }),
          referral('BY-NPI', { referring_npi: NPI_B }),
          // Ids are compared as written: another case is another id.
          referral('OTHER-CASE', { referring_id: 'epic-2' }),
        ],
      },
      asOf,
    );
    expect(await sources()).toEqual([
      { referral_id: 'BY-ID', source: NPI_B },
      { referral_id: 'BY-NPI', source: NPI_B },
      { referral_id: 'OTHER-CASE', source: 'unknown' },
    ]);
    expect(await w.query('SELECT source, referrals::INTEGER AS referrals FROM source_quality ORDER BY source')).toEqual([
      { source: NPI_B, referrals: 2 },
      { source: 'unknown', referrals: 1 },
    ]);
  });

  it('is the provider_id when the directory entry its referring_id names has no NPI', async () => {
    w = await buildWith(
      {
        providers: [{ npi: null, provider_id: 'EPIC-3', name: 'Dr C' }],
        referrals: [referral('R1', { referring_id: 'EPIC-3' })],
      },
      asOf,
    );
    expect(await sources()).toEqual([{ referral_id: 'R1', source: 'EPIC-3' }]);
  });

  it("is unknown when its referring_id is no provider_id in the directory (an entry's NPI key does not count)", async () => {
    w = await buildWith(
      {
        providers: [
          { npi: null, provider_id: 'EPIC-3', name: 'Dr C' },
          { npi: NPI_B, provider_id: null, name: 'Dr B' },
        ],
        referrals: [
          referral('NOT-IN-DIRECTORY', { referring_id: 'EPIC-9' }),
          referral('NPI-AS-ID', { referring_id: NPI_B }),
        ],
      },
      asOf,
    );
    expect(await sources()).toEqual([
      { referral_id: 'NOT-IN-DIRECTORY', source: 'unknown' },
      { referral_id: 'NPI-AS-ID', source: 'unknown' },
    ]);
    expect(await w.query("SELECT detail, rows::INTEGER AS rows FROM data_quality WHERE issue = 'unknown_referring_id'")).toEqual([
      { detail: 'referring_id', rows: 2 },
    ]);
  });

  it('is unknown for an invalid NPI without a referring_id, and the directory entry for one with a known referring_id', async () => {
    w = await buildWith(
      {
        providers: [{ npi: null, provider_id: 'EPIC-3', name: 'Dr C' }],
        referrals: [
          referral('INVALID-ONLY', { referring_npi: null, has_invalid_referring_npi: true, referring_id: null }),
          referral('INVALID-WITH-ID', { referring_npi: null, has_invalid_referring_npi: true, referring_id: 'EPIC-3' }),
        ],
      },
      asOf,
    );
    expect(await sources()).toEqual([
      { referral_id: 'INVALID-ONLY', source: 'unknown' },
      { referral_id: 'INVALID-WITH-ID', source: 'EPIC-3' },
    ]);
  });

  it('resolves to the NPI entry when an older entry keyed by the same provider_id lingers in the directory', async () => {
    w = await buildWith(
      {
        providers: [
          // The clinician was first exported without an NPI, later with one: two landed keys, one clinician.
          { npi: null, provider_id: 'EPIC-2', name: 'Dr B (old export)' },
          { npi: NPI_B, provider_id: 'EPIC-2', name: 'Dr B' },
        ],
        referrals: [referral('R1', { referring_id: 'EPIC-2' })],
      },
      asOf,
    );
    expect(await sources()).toEqual([{ referral_id: 'R1', source: NPI_B }]);
    expect(await w.query('SELECT source, npi, display_name FROM int_source_names ORDER BY source')).toEqual([
      { source: NPI_B, npi: NPI_B, display_name: 'Dr B' },
    ]);
  });
});

describe('a directory entry known only by provider_id', () => {
  it('shows in int_source_names and source_quality by its directory name, with or without referrals', async () => {
    w = await buildWith(
      {
        providers: [
          { npi: null, provider_id: 'EPIC-3', name: 'Dr Ada Okafor', practice: 'Northside Clinic', organization: 'North Health', liaison: 'Sam' },
          { npi: null, provider_id: 'EPIC-4', name: 'Dr Ben Idle' },
        ],
        referrals: [
          { referral_id: 'R1', received_at: '2026-01-05 09:00', referring_id: 'EPIC-3', referring_name: 'A. Okafor', referring_practice: 'Northside' },
          // Near miss: a clinician outside the directory is named as written.
          { referral_id: 'R2', received_at: '2026-01-06 09:00', referring_npi: NPI_A, referring_name: 'Dr Written', referring_practice: 'Written Office', patient_key: 'P2' },
        ],
      },
      '2026-03-01',
    );
    expect(await w.query('SELECT source, npi, display_name, display_practice FROM int_source_names ORDER BY source')).toEqual([
      { source: NPI_A, npi: NPI_A, display_name: 'Dr Written', display_practice: 'Written Office' },
      { source: 'EPIC-3', npi: null, display_name: 'Dr Ada Okafor', display_practice: 'Northside Clinic' },
      { source: 'EPIC-4', npi: null, display_name: 'Dr Ben Idle', display_practice: null },
    ]);
    expect(await w.query('SELECT source, source_name, source_practice, organization, liaison, referrals::INTEGER AS referrals FROM source_quality ORDER BY source')).toEqual([
      { source: NPI_A, source_name: 'Dr Written', source_practice: 'Written Office', organization: null, liaison: null, referrals: 1 },
      { source: 'EPIC-3', source_name: 'Dr Ada Okafor', source_practice: 'Northside Clinic', organization: 'North Health', liaison: 'Sam', referrals: 1 },
    ]);
  });

  it('is judged by outreach like any clinician, under its provider_id and without an NPI', async () => {
    // 21 referrals by id, one every 5 days from 2026-01-05 (last 2026-04-15), then silent for 100 days to as_of:
    // at 0.2 a day the chance of that silence is exp(−20) → dormant (as in outreach_priorities.test.ts, by NPI).
    const referrals: Row[] = Array.from({ length: 21 }, (_, i) => {
      const day = new Date(Date.parse('2026-01-05T00:00:00Z') + i * 5 * 86_400_000).toISOString().slice(0, 10);
      return { referral_id: `R${i}`, patient_key: `P${i}`, referring_id: 'EPIC-3', received_at: `${day} 10:00` };
    });
    w = await buildWith({ providers: [{ npi: null, provider_id: 'EPIC-3', name: 'Dr Ada Okafor' }], referrals }, '2026-07-24 10:00');
    expect(await w.query("SELECT source, npi, clinician, category FROM outreach_priorities WHERE category = 'dormant'")).toEqual([
      { source: 'EPIC-3', npi: null, clinician: 'Dr Ada Okafor', category: 'dormant' },
    ]);
  });
});
