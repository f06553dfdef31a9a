// The demo practice as a FHIR R4 bulk export ($export): one delivery folder of
// NDJSON files, one resource a line, taken the evening of the demo's end.
// Each journey becomes a ServiceRequest (the referral, BSeR style) with the
// packet's DocumentReferences in supportingInfo, a Task whose status and
// businessStatus say where the referral stands and when it was accepted or
// rejected, Communications for every call to the patient and for the visit
// summary sent back to the referrer, later DocumentReferences for the records
// that arrived, Appointments with the status they had that evening, and an
// Encounter for each visit. Referrers are Practitioners with an NPI, each with
// a PractitionerRole at their office's Organization; capacity is Slots of one
// Schedule per service line.
//
// Ids are the canonical demo's where it has them (referral, appointment and
// visit ids), so this delivery and the canonical demo of the same seed can be
// compared key by key. References are `Type/id` and resolve within the
// delivery. Dates vary in precision as FHIR allows: birthDate a date,
// authoredOn and Appointment.start with the local offset, Task and
// Communication times in UTC. No bad rows are planted.
//
// What the canonical demo says that this delivery, read by the fhir-r4
// mapping of sources.md, says differently or not at all (FHIR_DEMO_DIFFERENCES):
// - referrals: no referral type, channel or payer type (the mapping reads
//   none); the referring name is the Practitioner's given and family name
//   without "Dr."; a referring_id (the Practitioner id) the canonical rows
//   lack; a line the practice does not offer is the specialty code written
//   (a SNOMED or NUCC code), not the canonical id.
// - events: no doc_requested or patient_declined (no mapping); the call that
//   reached the patient is one completed Communication, so it gives
//   contact_made but no contact_attempt of its own.
// - appointments: imaging and procedure appointments read as new_patient
//   (v2-0276 has FOLLOWUP, the mapping reads nothing else).
// - visits: the referral id is the appointment's, where the canonical visits
//   have none; the summary is one per referral, on its first visit, and only
//   when the referral names a requester to send it to.
// - providers: a provider_id beside the NPI; out-of-network referrers are
//   listed too; organization is the office (the role's Organization), not its
//   parent group; specialty is always the NUCC code; no relationship or liaison.
// - capacity: a week with no slots has no row.
import { join } from 'node:path';
import { isHoliday, isoDate, MINUTES_PER_DAY } from '../calendar.ts';
import type { Journey } from '../journey.ts';
import type { Clinician, DemoPractice, Office, ServiceLine } from '../practice.ts';
import { SERVICE_LINES } from '../practice.ts';
import type { Random } from '../random.ts';
import { type JourneyAsOf, journeyAsOf, mrnNumber, PatientRegister } from './as-of.ts';
import { DECLINE_REASON, DOCUMENT_TYPE, FHIR_SPECIALTY, PRACTICE_NAME, PRACTICE_SYSTEM, requestedService } from './catalog.ts';
import { NdjsonFiles } from './files.ts';
import type { DemoDifference, VendorWriter } from './shape.ts';
import { fhirLocal, fhirUtc } from './time.ts';

export const FHIR_DEMO_DIFFERENCES: readonly DemoDifference[] = [
  { kind: 'referrals', column: 'referral_type', fact: 'no referral type: every referral reads as consult', why: 'the fhir-r4 mapping reads no referral type (ServiceRequest.code says what is requested, not the referral path)' },
  { kind: 'referrals', column: 'channel', fact: 'no channel', why: 'the mapping reads no intake channel' },
  { kind: 'referrals', column: 'payer_type', fact: 'no payer type', why: 'the mapping reads no Coverage' },
  { kind: 'referrals', column: 'referring_name', fact: 'the Practitioner’s given and family name ("Anita Abernathy"), not the canonical "Dr. Anita Abernathy"', why: 'one Practitioner name serves both the referral and the providers row, whose canonical name has no "Dr."' },
  { kind: 'referrals', column: 'referring_id', fact: 'set (the Practitioner id) where the canonical rows have none', why: 'the mapping takes the requester’s id' },
  { kind: 'referrals', column: 'service_line', fact: 'a line the practice does not offer is the specialty code written (SNOMED 394582007, NUCC 207RS0012X), not the canonical id ("dermatology"); both are unknown lines, out of scope', why: 'an unmatched coding is kept as written' },
  { kind: 'referral_events', column: 'event_type', fact: 'no doc_requested events', why: 'the mapping turns nothing into a document request' },
  { kind: 'referral_events', column: 'event_type', fact: 'no patient_declined events', why: 'the mapping has no event for a patient who declines' },
  { kind: 'referral_events', column: 'event_type', fact: 'no contact_attempt for the call that reached the patient (the others are there)', why: 'that call is one Communication, completed, which gives contact_made; a call still going on at the end is in-progress and gives neither' },
  { kind: 'appointments', column: 'appointment_type', fact: 'imaging and procedure appointments read as new_patient', why: 'v2-0276 has no imaging or procedure type; the mapping reads only FOLLOWUP' },
  { kind: 'visits', column: 'referral_id', fact: 'the appointment’s referral id (Encounter.basedOn), where the canonical visits have none', why: 'the Encounter carries the referral it fulfils' },
  { kind: 'visits', column: 'summary_sent_at', fact: 'only on the referral’s first visit, when its appointment carries the referral id and the referral names a requester; none on follow-ups', why: 'the summary is a Communication to the referral’s requester, which the mapping gives to the referral’s first visit' },
  { kind: 'providers', column: 'provider_id', fact: 'set (the Practitioner id) beside the NPI', why: 'every Practitioner has its own id' },
  { kind: 'providers', column: null, fact: 'out-of-network referring clinicians are listed too', why: 'every Practitioner with an NPI is a provider, and a requester must resolve within the delivery' },
  { kind: 'providers', column: 'organization', fact: 'the office’s name (the same as practice), not its parent group', why: 'the mapping takes both from the role’s Organization' },
  { kind: 'providers', column: 'specialty', fact: 'always the NUCC code (the canonical directory writes the name for about a fifth)', why: 'the mapping takes the first specialty coding’s code' },
  { kind: 'providers', column: 'relationship', fact: 'no relationship or liaison', why: 'FHIR has no place for the practice’s own view of a referrer' },
  { kind: 'capacity', column: 'new_patient_slots', fact: 'a week with no slots has no row (the canonical file writes 0)', why: 'capacity is a count of Slots' },
];

/** The resource types a demo delivery holds. */
export const FHIR_DEMO_TYPES = ['Appointment', 'Communication', 'DocumentReference', 'Encounter', 'Location', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'ServiceRequest', 'Slot', 'Task'] as const;

const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const BSER = 'http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS';
const GENDER = { F: 'female', M: 'male', X: 'other', U: 'unknown' } as const;
const PRACTICE_ORG = 'harborview-specialty';
type Resource = { resourceType: string; id: string } & Record<string, unknown>;

const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const coding = (c: { system: string; code: string; display: string }) => ({ coding: [{ system: c.system, code: c.code, display: c.display }], text: c.display });
const splitName = (name: string) => {
  const space = name.indexOf(' ');
  return { given: [name.slice(0, space)], family: name.slice(space + 1) };
};

export class FhirDemoWriter implements VendorWriter {
  private readonly files = new Map<string, NdjsonFiles>();
  private readonly patients = new PatientRegister();
  private readonly roles = new Map<Clinician, string>();
  private documents = 0;
  private communications = 0;

  constructor(
    private readonly practice: DemoPractice,
    private readonly dir: string,
    private readonly endMinute: number,
    private readonly random: Random,
    private readonly linesPerFile?: number,
  ) {
    this.writeDirectory();
    this.writeCapacity();
  }

  private put(resource: Resource) {
    let files = this.files.get(resource.resourceType);
    if (!files) {
      // A re-run replaces only the files of listed types: an unlisted one would be left behind.
      if (!(FHIR_DEMO_TYPES as readonly string[]).includes(resource.resourceType)) throw new Error(`${resource.resourceType} is not listed in FHIR_DEMO_TYPES`);
      this.files.set(resource.resourceType, (files = new NdjsonFiles(this.dir, resource.resourceType, this.linesPerFile)));
    }
    files.write(resource);
  }

  write(journey: Journey): void {
    const view = journeyAsOf(journey, this.endMinute);
    const r = view.referral;
    const patient = `pat-${mrnNumber(r.patient.mrn)}`;
    if (this.patients.isNew(r.patient)) this.writePatient(view, patient);
    const requester = r.clinician ? ref('PractitionerRole', this.roles.get(r.clinician)!) : undefined;
    const referral = ref('ServiceRequest', r.referralId);

    const packet = r.documents.map((type) => this.writeDocument(type, r.received, patient, referral));
    for (const e of view.events) if (e.type === 'doc_received') this.writeDocument(e.detail, e.at, patient, referral);

    const lastChange = Math.max(r.received, ...view.events.map((e) => e.at), ...view.appointments.map((a) => (a.start <= this.endMinute ? a.start : a.booked)), ...view.visits.map((v) => v.summaryAsOf ?? v.at));
    this.put({
      resourceType: 'ServiceRequest',
      id: r.referralId,
      meta: { lastUpdated: fhirUtc(lastChange) },
      identifier: [{ system: `${PRACTICE_SYSTEM}/referral`, value: r.referralId }],
      status: view.visits.length > 0 ? 'completed' : 'active',
      intent: 'order',
      category: [coding({ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' })],
      priority: r.urgency === 'stat' && this.random.chance(0.3) ? 'asap' : r.urgency,
      code: coding(requestedService(r.serviceLine, r.path)),
      subject: ref('Patient', patient),
      authoredOn: fhirLocal(r.received),
      ...(requester ? { requester } : {}),
      performerType: coding(FHIR_SPECIALTY[r.serviceLine]!),
      reasonCode: [{ coding: [{ system: ICD10CM, code: r.reasonCode }] }],
      ...(packet.length > 0 ? { supportingInfo: packet } : {}),
    });
    this.writeTask(view, patient, referral, requester, lastChange);
    this.writeCalls(view, patient, referral);
    this.writeAppointments(view, patient);
    this.writeVisits(view, patient);
    if (view.firstSummary !== undefined && requester) {
      this.put({
        resourceType: 'Communication',
        id: `comm-${++this.communications}`,
        status: 'completed',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'notification' }] }],
        medium: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'ELECTRONIC' }] }],
        basedOn: [referral],
        subject: ref('Patient', patient),
        encounter: ref('Encounter', view.visits[0]!.visitId),
        recipient: [requester],
        sender: ref('Organization', PRACTICE_ORG),
        sent: fhirUtc(view.firstSummary),
        payload: [{ contentString: 'Consultation summary' }],
      });
    }
  }

  private writePatient(view: JourneyAsOf, id: string) {
    const p = view.referral.patient;
    this.put({
      resourceType: 'Patient',
      id,
      // The enterprise id comes first: the MRN is the identifier typed MR, wherever it sits.
      identifier: [
        { system: 'urn:oid:2.16.840.1.113883.3.7261.1', value: `E${mrnNumber(p.mrn) * 3}` },
        { use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical Record Number' }] }, system: `${PRACTICE_SYSTEM}/mrn`, value: p.mrn },
      ],
      name: [{ use: 'official', ...splitName(p.name) }],
      telecom: [{ system: 'phone', value: p.phone, use: 'home' }],
      gender: GENDER[p.sex],
      birthDate: isoDate(p.birthDay),
      address: [{ use: 'home', postalCode: p.zip, country: 'US' }],
    });
  }

  private writeDocument(type: string, at: number, patient: string, referral: { reference: string }) {
    const id = `doc-${++this.documents}`;
    const kind = DOCUMENT_TYPE[type];
    if (!kind) throw new Error(`no FHIR document type for ${type}`);
    this.put({
      resourceType: 'DocumentReference',
      id,
      status: 'current',
      type: coding(kind),
      subject: ref('Patient', patient),
      date: fhirLocal(at),
      content: [{ attachment: { contentType: 'application/pdf', title: kind.display } }],
      context: { related: [referral] },
    });
    return ref('DocumentReference', id);
  }

  /** The referral's Task as it stands that evening: accepted at the start of its execution, or rejected with the reason. */
  private writeTask(view: JourneyAsOf, patient: string, referral: { reference: string }, requester: { reference: string } | undefined, lastChange: number) {
    const r = view.referral;
    const [status, business, display] = taskState(view);
    this.put({
      resourceType: 'Task',
      id: `task-${r.referralId}`,
      meta: { versionId: String(1 + view.events.length), lastUpdated: fhirUtc(lastChange) },
      status,
      businessStatus: { coding: [{ system: BSER, code: business, display }] },
      intent: 'order',
      code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
      focus: referral,
      for: ref('Patient', patient),
      authoredOn: fhirLocal(r.received),
      lastModified: fhirUtc(view.declined ? view.declined.at : lastChange),
      ...(requester ? { requester } : {}),
      owner: ref('Organization', PRACTICE_ORG),
      ...(view.accepted ? { executionPeriod: { start: fhirUtc(view.accepted.at) } } : {}),
      ...(view.declined ? { statusReason: { text: DECLINE_REASON.fhir[view.declined.detail] } } : {}),
    });
  }

  /** Every call to the patient: unanswered ones are not-done, the one that reached them completed. */
  private writeCalls(view: JourneyAsOf, patient: string, referral: { reference: string }) {
    for (const call of view.attempts) {
      const status = call.outcome === 'no_answer' ? 'not-done' : call.outcome === 'reached' ? 'completed' : 'in-progress';
      this.put({
        resourceType: 'Communication',
        id: `comm-${++this.communications}`,
        status,
        ...(status === 'not-done' ? { statusReason: { text: 'No answer' } } : {}),
        medium: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'PHONE' }] }],
        basedOn: [referral],
        subject: ref('Patient', patient),
        recipient: [ref('Patient', patient)],
        sender: ref('Organization', PRACTICE_ORG),
        sent: fhirUtc(call.contactAt ?? call.at),
      });
    }
  }

  private writeAppointments(view: JourneyAsOf, patient: string) {
    for (const a of view.appointments) {
      const minutes = a.serviceLine === 'imaging' ? 20 : 30;
      const specialty = coding(FHIR_SPECIALTY[a.serviceLine]!);
      this.put({
        resourceType: 'Appointment',
        id: a.appointmentId,
        status: APPOINTMENT_STATUS[a.statusAsOf],
        serviceType: [specialty],
        specialty: [specialty],
        appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: a.type === 'follow_up' ? 'FOLLOWUP' : 'ROUTINE' }] },
        start: fhirLocal(a.start),
        end: fhirLocal(a.start + minutes),
        minutesDuration: minutes,
        created: fhirUtc(a.booked),
        ...(a.referralId ? { basedOn: [ref('ServiceRequest', a.referralId)] } : {}),
        participant: [
          { actor: ref('Patient', patient), required: 'required', status: 'accepted' },
          { actor: ref('Location', `loc-${a.serviceLine}`), required: 'required', status: 'accepted' },
        ],
      });
    }
  }

  private writeVisits(view: JourneyAsOf, patient: string) {
    for (const v of view.visits) {
      // The appointment the visit came from, even when the visit does not name it (it starts at most 25 minutes before).
      const source = view.appointments.find((a) => a.appointmentId === v.appointmentId) ?? view.appointments.find((a) => a.status === 'completed' && a.start <= v.at && v.at - a.start <= 25);
      const referralId = source?.referralId;
      this.put({
        resourceType: 'Encounter',
        id: v.visitId,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
        serviceType: coding(FHIR_SPECIALTY[v.serviceLine]!),
        subject: ref('Patient', patient),
        ...(referralId ? { basedOn: [ref('ServiceRequest', referralId)] } : {}),
        ...(v.appointmentId ? { appointment: [ref('Appointment', v.appointmentId)] } : {}),
        period: { start: fhirLocal(v.at), end: fhirLocal(v.at + 30) },
      });
    }
  }

  /** The organizations, referrers and their roles: everyone who refers or is in the directory. */
  private writeDirectory() {
    this.put({ resourceType: 'Organization', id: PRACTICE_ORG, active: true, type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov' }] }], name: PRACTICE_NAME });
    const groups = new Map<string, string>();
    const offices = new Map<Office, string>();
    for (const c of this.practice.clinicians) {
      const office = c.office;
      if (!groups.has(office.organization)) {
        const id = `org-group-${groups.size + 1}`;
        groups.set(office.organization, id);
        this.put({ resourceType: 'Organization', id, active: true, name: office.organization });
      }
      if (!offices.has(office)) {
        const id = `org-office-${offices.size + 1}`;
        offices.set(office, id);
        this.put({ resourceType: 'Organization', id, active: true, type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov' }] }], name: office.name, partOf: ref('Organization', groups.get(office.organization)!), address: [{ postalCode: office.zip, state: office.zip.startsWith('03') ? 'NH' : 'MA', country: 'US' }] });
      }
    }
    this.practice.clinicians.forEach((c, i) => {
      const practitioner = `pract-${i + 1}`;
      const role = `role-${i + 1}`;
      this.roles.set(c, role);
      const nursePractitioner = c.specialty[1].startsWith('Nurse Practitioner');
      this.put({ resourceType: 'Practitioner', id: practitioner, identifier: [{ system: NPI, value: c.npi }], active: true, name: [{ ...splitName(c.name), ...(nursePractitioner ? { suffix: ['NP'] } : { prefix: ['Dr.'] }) }] });
      this.put({
        resourceType: 'PractitionerRole',
        id: role,
        active: true,
        practitioner: ref('Practitioner', practitioner),
        organization: ref('Organization', offices.get(c.office)!),
        code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: nursePractitioner ? 'nurse' : 'doctor' }] }],
        specialty: [coding({ system: 'http://nucc.org/provider-taxonomy', code: c.specialty[0], display: c.specialty[1] })],
      });
    });
  }

  /** One Schedule per service line at its clinic Location, and a Slot for every new-patient slot of every week. */
  private writeCapacity() {
    for (const line of SERVICE_LINES) {
      const specialty = coding(FHIR_SPECIALTY[line]!);
      const weeks = [...(this.practice.capacity.get(line) ?? new Map<number, number>())];
      this.put({ resourceType: 'Location', id: `loc-${line}`, status: 'active', name: `${PRACTICE_NAME} – ${specialty.text} clinic`, managingOrganization: ref('Organization', PRACTICE_ORG) });
      this.put({
        resourceType: 'Schedule',
        id: `schedule-${line}`,
        active: true,
        serviceType: [specialty],
        actor: [ref('Location', `loc-${line}`)],
        ...(weeks.length > 0 ? { planningHorizon: { start: isoDate(weeks[0]![0]), end: isoDate(weeks[weeks.length - 1]![0] + 6) } } : {}),
      });
      const endDay = Math.floor(this.endMinute / MINUTES_PER_DAY);
      for (const [monday, slots] of weeks) {
        slotTimes(monday, slots).forEach((start, k) =>
          this.put({
            resourceType: 'Slot',
            id: `slot-${line}-${isoDate(monday)}-${k + 1}`,
            schedule: ref('Schedule', `schedule-${line}`),
            serviceType: [specialty],
            appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }] },
            status: monday <= endDay ? 'busy' : 'free',
            start: fhirLocal(start),
            end: fhirLocal(start + 30),
          }),
        );
      }
    }
  }

  close(): string[] {
    const paths: string[] = [];
    for (const files of this.files.values()) {
      files.close();
      paths.push(...files.paths);
    }
    return paths;
  }
}

/** Start times of a week's slots: its working days in turn, on the quarter hour from 08:00. */
export function slotTimes(monday: number, count: number): number[] {
  const open = [0, 1, 2, 3, 4].map((d) => monday + d).filter((day) => !isHoliday(day));
  const days = open.length > 0 ? open : [monday];
  return Array.from({ length: count }, (_, k) => days[k % days.length]! * MINUTES_PER_DAY + 8 * 60 + 15 * (Math.floor(k / days.length) % 34));
}

const APPOINTMENT_STATUS = { booked: 'booked', completed: 'fulfilled', cancelled: 'cancelled', no_show: 'noshow' } as const;

/** The Task's status and BSeR business status: where the referral stands that evening. */
function taskState(view: JourneyAsOf): [string, string, string] {
  if (view.declined) return ['rejected', '4.0', 'Service Request Declined'];
  if (!view.accepted) return ['requested', '2.0', 'Service Request Created'];
  if (view.firstSummary !== undefined) return ['completed', '7.0', 'Service Request Fulfillment Completed'];
  if (view.visits.length > 0) return ['in-progress', '5.1.4', 'Service Request Event Completed'];
  const latest = [...view.appointments].sort((a, b) => b.booked - a.booked)[0];
  if (latest?.statusAsOf === 'booked') return ['in-progress', '5.1.1', 'Service Request Event Scheduled'];
  if (latest?.statusAsOf === 'no_show') return ['in-progress', '5.1.2', 'Scheduled Service Request Event Unattended'];
  if (latest?.statusAsOf === 'cancelled') return ['in-progress', '5.1.3', 'Scheduled Service Request Event Cancelled'];
  return ['accepted', '3.0', 'Service Request Accepted'];
}

export const fhirDeliveryDir = (inboxDir: string, endDate: string) => join(inboxDir, 'fhir', endDate);
