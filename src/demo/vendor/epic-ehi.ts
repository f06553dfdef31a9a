// The demo practice as an Epic EHI export: one delivery folder of
// tab-separated tables named for their Clarity tables, written the evening of
// the demo's end. Each journey becomes its REFERRAL row and REFERRAL_HIST
// history (created, accepted or rejected with a reason, pended for records),
// telephone encounters for the calls that reached the patient, and
// appointment encounters (PAT_ENC with PAT_ENC_APPT) whose status is the one
// they had that evening; a completed appointment is the visit, and the
// referral's report date (REFERRAL_2.RPT_SENT_DATE) closes the loop.
//
// Ids are the canonical demo's (Epic's are numeric; the adapter reads every
// id as text), so this delivery and the canonical demo of the same seed can
// be compared key by key. Times are Epic's `M/D/YYYY h:mm:ss AM`, local, with
// CHANGE_DATETIME in UTC beside CHANGE_LOCAL_DTTM; date columns are
// `M/D/YYYY`, except CONTACT_DATE, written as local midnight. CLARITY_DEP and CLARITY_SER are
// Windows-1252 (names with ’ – é), the other tables UTF-8. No bad rows are
// planted.
//
// What the canonical demo says that this delivery, read by the epic-ehi
// mapping of sources.md, says differently or not at all (EPIC_DEMO_DIFFERENCES):
// - referrals: no channel, payer type, reason code or packet document list
//   (the mapping reads none); no patient birth date, ZIP or sex (PATIENT has
//   them, the mapping reads only PAT_MRN_ID); no referring practice; the
//   referring name is the referral source's name without "Dr."; a
//   referring_id (the REFERRAL_SOURCE id) the canonical rows lack; a line the
//   practice does not offer is Epic's specialty name ("Sleep Medicine"), not
//   the canonical id ("sleep_medicine").
// - events: no doc_received, contact_attempt or patient_declined (no mapping),
//   and doc_requested without the document type.
// - appointments: no appointment type (every one reads as new_patient).
// - visits: the visit is its appointment's encounter, so visit_id is the
//   appointment id, the appointment id is never missing, visit_at is the
//   appointment's start, and the referral id is the appointment's; the report
//   date is one per referral, on its first visit only.
// - providers: a provider_id beside the NPI; every referral source is listed,
//   out-of-network clinicians too; no specialty, practice, organization, ZIP,
//   relationship or liaison.
// - capacity: none (the mapping reads no schedule templates).
import { join } from 'node:path';
import { MINUTES_PER_DAY } from '../calendar.ts';
import type { Journey } from '../journey.ts';
import type { Clinician, DemoPractice, ServiceLine } from '../practice.ts';
import { SERVICE_LINES } from '../practice.ts';
import type { Random } from '../random.ts';
import { type JourneyAsOf, journeyAsOf, PatientRegister } from './as-of.ts';
import { DECLINE_REASON, type Department, DEPARTMENTS, EPIC_SPECIALTY, PEND_REASON, PRACTICE_CLINICIANS } from './catalog.ts';
import { TsvTable } from './files.ts';
import type { DemoDifference, VendorWriter } from './shape.ts';
import { epicDate, epicDateTime, epicMidnight, utcMinute } from './time.ts';

export const EPIC_DEMO_DIFFERENCES: readonly DemoDifference[] = [
  { kind: 'referrals', column: 'channel', fact: 'no channel', why: 'the epic-ehi mapping reads no intake channel' },
  { kind: 'referrals', column: 'payer_type', fact: 'no payer type', why: 'the epic-ehi mapping reads no coverage' },
  { kind: 'referrals', column: 'reason_code', fact: 'no reason code', why: 'the epic-ehi mapping reads no referral diagnosis' },
  { kind: 'referrals', column: 'documents', fact: 'no packet document list', why: 'Epic keeps no list of the documents that came with a referral; the mapping has none' },
  { kind: 'referrals', column: 'patient_birth_date', fact: 'no patient birth date', why: 'PATIENT.BIRTH_DATE is written but the mapping reads only PAT_MRN_ID from PATIENT' },
  { kind: 'referrals', column: 'patient_zip', fact: 'no patient ZIP', why: 'PATIENT.ZIP is written but the mapping reads only PAT_MRN_ID from PATIENT' },
  { kind: 'referrals', column: 'patient_sex', fact: 'no patient sex', why: 'PATIENT.SEX_C_NAME is written but the mapping reads only PAT_MRN_ID from PATIENT' },
  { kind: 'referrals', column: 'referring_practice', fact: 'no referring practice', why: 'the mapping reads no office for a referral source' },
  { kind: 'referrals', column: 'referring_name', fact: 'the referral source’s name ("Anita Abernathy"), not the canonical "Dr. Anita Abernathy"', why: 'REFERRING_PROV_ID_REFERRING_PROV_NAM is the referral source’s name, the same as REFERRAL_SOURCE.REFERRING_PROV_NAM, which is the providers name' },
  { kind: 'referrals', column: 'referring_id', fact: 'set (the REFERRAL_SOURCE id) where the canonical rows have none', why: 'Epic names the referrer by its own id; the canonical demo has only the NPI' },
  { kind: 'referrals', column: 'service_line', fact: 'a line the practice does not offer is Epic’s specialty name ("Sleep Medicine"), not the canonical id ("sleep_medicine"); both are unknown lines, out of scope', why: 'an unmatched value is loaded as written' },
  { kind: 'referral_events', column: 'event_type', fact: 'no doc_received events', why: 'the mapping turns no REFERRAL_HIST row into a document arrival (a "Change Pend Reason" row marks it, and is not a funnel event)' },
  { kind: 'referral_events', column: 'event_type', fact: 'no contact_attempt events', why: 'the mapping reads only the calls that reached the patient (PAT_ENC with OUTGOING_CALL_YN = Y)' },
  { kind: 'referral_events', column: 'event_type', fact: 'no patient_declined events', why: 'the mapping has no event for a patient who declines (the referral is closed, which is not a funnel event)' },
  { kind: 'referral_events', column: 'detail', fact: 'doc_requested has no document type', why: 'the pend reason is read only to tell a document request apart' },
  { kind: 'appointments', column: 'appointment_type', fact: 'no appointment type: every appointment reads as new_patient', why: 'the mapping reads no visit type' },
  { kind: 'visits', column: 'visit_id', fact: 'the appointment’s id (PAT_ENC_CSN_ID), not the canonical VS… id', why: 'in Epic the visit is the appointment’s encounter' },
  { kind: 'visits', column: 'appointment_id', fact: 'always set (the canonical demo leaves it off about 5% of visits)', why: 'the visit is the appointment’s own encounter' },
  { kind: 'visits', column: 'visit_at', fact: 'the appointment’s start, not the check-in a few minutes later', why: 'the mapping takes visit_at from PAT_ENC_APPT.PROV_START_TIME' },
  { kind: 'visits', column: 'referral_id', fact: 'the appointment’s referral id, where the canonical visits have none', why: 'the encounter carries PAT_ENC.REFERRAL_ID' },
  { kind: 'visits', column: 'summary_sent_at', fact: 'only on the referral’s first visit, and only when its appointment carries the referral id; none on follow-ups', why: 'Epic keeps one report date per referral (REFERRAL_2.RPT_SENT_DATE), given to the referral’s first visit' },
  { kind: 'providers', column: 'provider_id', fact: 'set (the REFERRAL_SOURCE id) beside the NPI', why: 'every Epic referral source has its own id' },
  { kind: 'providers', column: null, fact: 'out-of-network referring clinicians are listed too', why: 'REFERRAL_SOURCE holds every referrer, and every REFERRAL_SOURCE row is a provider' },
  { kind: 'providers', column: 'specialty', fact: 'no specialty, practice, organization, ZIP, relationship or liaison', why: 'the mapping reads only the id, name and NPI of a referral source' },
  { kind: 'capacity', column: null, fact: 'no capacity rows', why: 'the mapping reads no schedule templates' },
];

/** The tables a demo delivery holds. */
export const EPIC_DEMO_TABLES = ['REFERRAL', 'REFERRAL_2', 'REFERRAL_HIST', 'PATIENT', 'PAT_ENC', 'PAT_ENC_APPT', 'REFERRAL_SOURCE', 'CLARITY_DEP', 'CLARITY_SER', 'CLARITY_SER_2'] as const;

const SEX = { F: 'Female', M: 'Male', X: 'Nonbinary', U: 'Unknown' } as const;

/** A "LAST,FIRST" name, as Epic writes patient names. */
const lastFirst = (name: string) => {
  const space = name.indexOf(' ');
  return `${name.slice(space + 1).toUpperCase()},${name.slice(0, space).toUpperCase()}`;
};

export class EpicDemoWriter implements VendorWriter {
  private readonly tables: TsvTable[] = [];
  private readonly referral: TsvTable;
  private readonly referral2: TsvTable;
  private readonly history: TsvTable;
  private readonly patient: TsvTable;
  private readonly encounter: TsvTable;
  private readonly encounterAppt: TsvTable;
  private readonly patients = new PatientRegister();
  private readonly sourceIds = new Map<Clinician, string>();
  private calls = 0;

  constructor(
    private readonly practice: DemoPractice,
    dir: string,
    private readonly endMinute: number,
    private readonly random: Random,
  ) {
    const table = (name: string, columns: string[], encoding: 'utf-8' | 'windows-1252' = 'utf-8') => {
      const t = new TsvTable(dir, name, columns, encoding);
      this.tables.push(t);
      return t;
    };
    this.referral = table('REFERRAL', ['REFERRAL_ID', 'PAT_ID', 'ENTRY_DATE', 'RFL_STATUS_C_NAME', 'RFL_TYPE_C_NAME', 'RFL_CLASS_C_NAME', 'PRIORITY_C_NAME', 'REFERRING_PROV_ID', 'REFERRING_PROV_ID_REFERRING_PROV_NAM', 'REFD_TO_DEPT_ID', 'REFD_TO_SPEC_C_NAME']);
    this.referral2 = table('REFERRAL_2', ['REFERRAL_ID', 'RFL_RECEIVED_DATE', 'REJECT_REASON_C_NAME', 'RPT_SENT_DATE']);
    this.history = table('REFERRAL_HIST', ['REFERRAL_ID', 'LINE', 'CHANGE_DATE', 'CHANGE_DATETIME', 'CHANGE_LOCAL_DTTM', 'CHANGE_TYPE_C_NAME', 'NEW_RFL_STATUS_C_NAME', 'NEW_PEND_RSN_C_NAME', 'CHANGE_USER_ID']);
    this.patient = table('PATIENT', ['PAT_ID', 'PAT_MRN_ID', 'PAT_NAME', 'BIRTH_DATE', 'SEX_C_NAME', 'ZIP', 'HOME_PHONE']);
    this.encounter = table('PAT_ENC', ['PAT_ID', 'PAT_ENC_CSN_ID', 'CONTACT_DATE', 'ENC_TYPE_C_NAME', 'DEPARTMENT_ID', 'VISIT_PROV_ID', 'APPT_STATUS_C_NAME', 'APPT_MADE_DATE', 'APPT_MADE_DTTM', 'APPT_LENGTH', 'REFERRAL_ID', 'OUTGOING_CALL_YN']);
    this.encounterAppt = table('PAT_ENC_APPT', ['PAT_ENC_CSN_ID', 'LINE', 'PROV_ID', 'PROV_START_TIME', 'DEPARTMENT_ID']);
    this.writeReferralSources(table('REFERRAL_SOURCE', ['REFERRING_PROV_ID', 'REFERRING_PROV_NAM', 'REF_PROVIDER_ID', 'NPI']));
    this.writeDepartments(table('CLARITY_DEP', ['DEPARTMENT_ID', 'DEPARTMENT_NAME', 'EXTERNAL_NAME', 'DEPT_ABBREVIATION', 'SPECIALTY'], 'windows-1252'));
    this.writeOwnClinicians(table('CLARITY_SER', ['PROV_ID', 'PROV_NAME', 'PROV_TYPE'], 'windows-1252'), table('CLARITY_SER_2', ['PROV_ID', 'NPI']));
  }

  write(journey: Journey): void {
    const view = journeyAsOf(journey, this.endMinute);
    const r = view.referral;
    const patId = `Z${r.patient.mrn.slice(3)}`;
    if (this.patients.isNew(r.patient)) {
      this.patient.write({
        PAT_ID: patId,
        PAT_MRN_ID: r.patient.mrn,
        PAT_NAME: lastFirst(r.patient.name),
        BIRTH_DATE: epicDate(r.patient.birthDay),
        SEX_C_NAME: SEX[r.patient.sex],
        ZIP: r.patient.zip,
        HOME_PHONE: r.patient.phone.replace(/[()]/g, '').replace(' ', '-'),
      });
    }
    const inScope = (SERVICE_LINES as readonly string[]).includes(r.serviceLine);
    const department = inScope ? this.random.pick(DEPARTMENTS[r.serviceLine as ServiceLine]) : undefined;
    // Intake fills the referred-to specialty most of the time; the department always names the line.
    const specialty = !inScope || this.random.chance(0.7) ? EPIC_SPECIALTY[r.serviceLine] : undefined;
    const day = Math.floor(r.received / MINUTES_PER_DAY);
    this.referral.write({
      REFERRAL_ID: r.referralId,
      PAT_ID: patId,
      ENTRY_DATE: epicDate(day),
      RFL_STATUS_C_NAME: referralStatus(view),
      RFL_TYPE_C_NAME: this.referralType(r.path, r.serviceLine),
      RFL_CLASS_C_NAME: 'Incoming',
      PRIORITY_C_NAME: r.urgency === 'routine' ? 'Routine' : r.urgency === 'urgent' ? 'Urgent' : this.random.chance(0.7) ? 'STAT' : 'ASAP',
      REFERRING_PROV_ID: r.clinician ? this.sourceIds.get(r.clinician) : undefined,
      REFERRING_PROV_ID_REFERRING_PROV_NAM: r.clinician?.name,
      REFD_TO_DEPT_ID: department?.id,
      REFD_TO_SPEC_C_NAME: specialty,
    });
    this.referral2.write({
      REFERRAL_ID: r.referralId,
      RFL_RECEIVED_DATE: epicDate(day),
      REJECT_REASON_C_NAME: view.declined ? DECLINE_REASON.epic[view.declined.detail] : undefined,
      RPT_SENT_DATE: view.firstSummary === undefined ? undefined : epicDateTime(view.firstSummary),
    });
    this.writeHistory(view);
    this.writeEncounters(view, patId, department);
  }

  private referralType(path: string, serviceLine: string): string {
    if (path === 'post_discharge') return 'Post Discharge';
    if (path === 'diagnostic') return serviceLine === 'imaging' ? this.random.pick(['MRI/CAT Scan', 'Imaging']) : this.random.pick(['Diagnostic', 'Procedure']);
    return this.random.chance(0.85) ? 'Consultation' : 'Evaluate and Treat';
  }

  /** The referral's history, in time order: created, triaged, pended for records and their arrival, closed when the patient declines. */
  private writeHistory(view: JourneyAsOf) {
    const rows: { at: number; type: string; status?: string; pend?: string }[] = [{ at: view.referral.received, type: 'Create Referral', status: 'New Request' }];
    for (const e of view.events) {
      if (e.type === 'accepted') rows.push(this.random.chance(0.5) ? { at: e.at, type: 'Accept Referral', status: 'Authorized' } : { at: e.at, type: 'Change Status', status: this.random.pick(['Authorized', 'Approved']) });
      else if (e.type === 'declined') rows.push(this.random.chance(0.5) ? { at: e.at, type: 'Reject Referral', status: 'Denied' } : { at: e.at, type: 'Change Status', status: 'Denied' });
      else if (e.type === 'doc_requested') rows.push({ at: e.at, type: 'Pend Referral', status: 'Pending Review', pend: PEND_REASON[e.detail] });
      // An arrival clears the pend; the adapter reads it as no funnel event, like every other change.
      else if (e.type === 'doc_received') rows.push({ at: e.at, type: 'Change Pend Reason', pend: 'Records Received' });
      else if (e.type === 'patient_declined') rows.push({ at: e.at, type: 'Change Status', status: 'Closed' });
    }
    rows.forEach((row, i) =>
      this.history.write({
        REFERRAL_ID: view.referral.referralId,
        LINE: i + 1,
        CHANGE_DATE: epicDate(Math.floor(row.at / MINUTES_PER_DAY)),
        CHANGE_DATETIME: epicDateTime(utcMinute(row.at)),
        CHANGE_LOCAL_DTTM: epicDateTime(row.at),
        CHANGE_TYPE_C_NAME: row.type,
        NEW_RFL_STATUS_C_NAME: row.status,
        NEW_PEND_RSN_C_NAME: row.pend,
        CHANGE_USER_ID: `RFLINTAKE${1 + (i % 3)}`,
      }),
    );
  }

  /** The telephone encounter of the call that reached the patient, then each appointment. */
  private writeEncounters(view: JourneyAsOf, patId: string, department: Department | undefined) {
    const r = view.referral;
    for (const call of view.attempts) {
      if (call.outcome !== 'reached') continue;
      const csn = `TC${String(++this.calls).padStart(8, '0')}`;
      this.encounter.write({ PAT_ID: patId, PAT_ENC_CSN_ID: csn, CONTACT_DATE: epicMidnight(Math.floor(call.contactAt! / MINUTES_PER_DAY)), ENC_TYPE_C_NAME: 'Telephone', DEPARTMENT_ID: department?.id, REFERRAL_ID: r.referralId, OUTGOING_CALL_YN: 'Y' });
      this.encounterAppt.write({ PAT_ENC_CSN_ID: csn, LINE: 1, PROV_START_TIME: epicDateTime(call.contactAt!), DEPARTMENT_ID: department?.id });
    }
    for (const a of view.appointments) {
      const clinicians = PRACTICE_CLINICIANS[a.serviceLine as ServiceLine];
      const provider = this.random.pick(clinicians);
      this.encounter.write({
        PAT_ID: patId,
        PAT_ENC_CSN_ID: a.appointmentId,
        CONTACT_DATE: epicMidnight(Math.floor(a.start / MINUTES_PER_DAY)),
        ENC_TYPE_C_NAME: 'Office Visit',
        DEPARTMENT_ID: department!.id,
        VISIT_PROV_ID: provider.id,
        APPT_STATUS_C_NAME: this.appointmentStatus(a.statusAsOf),
        APPT_MADE_DATE: epicDate(Math.floor(a.booked / MINUTES_PER_DAY)),
        APPT_MADE_DTTM: epicDateTime(a.booked),
        APPT_LENGTH: a.serviceLine === 'imaging' ? 20 : 30,
        REFERRAL_ID: a.referralId || undefined,
        OUTGOING_CALL_YN: 'N',
      });
      this.encounterAppt.write({ PAT_ENC_CSN_ID: a.appointmentId, LINE: 1, PROV_ID: provider.id, PROV_START_TIME: epicDateTime(a.start), DEPARTMENT_ID: department!.id });
      // A study read by a second radiologist has a second provider line, starting later: the start is the lowest line's.
      if (a.serviceLine === 'imaging' && this.random.chance(0.25)) {
        const second = clinicians.find((c) => c !== provider)!;
        this.encounterAppt.write({ PAT_ENC_CSN_ID: a.appointmentId, LINE: 2, PROV_ID: second.id, PROV_START_TIME: epicDateTime(a.start + 15), DEPARTMENT_ID: department!.id });
      }
    }
  }

  private appointmentStatus(status: JourneyAsOf['appointments'][number]['statusAsOf']): string {
    switch (status) {
      case 'booked':
        return this.random.chance(0.3) ? 'Confirmed' : 'Scheduled';
      case 'completed':
        return this.random.weighted([['Completed', 0.7], ['Checked Out', 0.2], ['Arrived', 0.1]] as const);
      case 'cancelled':
        return 'Canceled';
      case 'no_show':
        return 'No Show';
    }
  }

  /** Every clinician who refers or is in the directory is a referral source, with an id of Epic's own. */
  private writeReferralSources(table: TsvTable) {
    this.practice.clinicians.forEach((c, i) => {
      const id = String(40_001 + i);
      this.sourceIds.set(c, id);
      table.write({ REFERRING_PROV_ID: id, REFERRING_PROV_NAM: c.name, NPI: c.npi });
    });
  }

  private writeDepartments(table: TsvTable) {
    for (const line of SERVICE_LINES) {
      for (const d of DEPARTMENTS[line]) table.write({ DEPARTMENT_ID: d.id, DEPARTMENT_NAME: d.name, EXTERNAL_NAME: `Harborview ${EPIC_SPECIALTY[line]}`, DEPT_ABBREVIATION: d.abbreviation, SPECIALTY: EPIC_SPECIALTY[line] });
    }
  }

  private writeOwnClinicians(ser: TsvTable, ser2: TsvTable) {
    for (const line of SERVICE_LINES) {
      for (const c of PRACTICE_CLINICIANS[line]) {
        ser.write({ PROV_ID: c.id, PROV_NAME: c.name, PROV_TYPE: 'Physician' });
        ser2.write({ PROV_ID: c.id, NPI: c.npi });
      }
    }
  }

  close(): string[] {
    for (const t of this.tables) t.close();
    return this.tables.map((t) => t.path);
  }
}

/** The referral's status that evening. */
function referralStatus(view: JourneyAsOf): string {
  if (view.declined) return 'Denied';
  if (view.events.some((e) => e.type === 'patient_declined') || view.firstSummary !== undefined) return 'Closed';
  if (view.accepted) return 'Authorized';
  return 'New Request';
}

export const epicDeliveryDir = (inboxDir: string, endDate: string) => join(inboxDir, 'epic', endDate);
