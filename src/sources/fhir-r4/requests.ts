// ServiceRequest → referrals. A request is a referral when its intent is
// order, original-order or plan and it is named by a Task.focus, an
// Appointment.basedOn or an Encounter.basedOn, or its category is a referral
// code (SNOMED 3457005, referral_category map). Any status counts; a revoked
// referral also gives a `cancelled` event at its meta.lastUpdated.
import { documentsAtReceipt } from './documents.ts';
import type { Indexed, IndexedFields, ServiceRequestFields } from './fields.ts';
import { clinicianOf, patientIdOf } from './lookups.ts';
import { idOfKey, typeOfKey } from './references.ts';
import type { Row, Run } from './run.ts';
import { RequestFacts } from './state.ts';

export function indexRequest(run: Run, row: Row<Indexed<'ServiceRequest'>>): void {
  const { fields, key } = row;
  if (key === undefined) return;
  const service = fields.serviceLine;
  const facts = new RequestFacts(
    key,
    row.ref,
    fields.referralIntent,
    fields.referralCategory,
    fields.authoredOn !== undefined,
    fields.authoredOn?.ms,
    run.state.sharedRequester(fields.requester),
    fields.subject,
    service.line ?? service.written,
    service.line !== undefined,
  );
  run.state.requests.set(key, facts);
  for (const docKey of fields.supporting) {
    if (typeOfKey(docKey) === 'DocumentReference' || typeOfKey(docKey) === undefined) run.state.supportingDocuments.add(docKey, key);
  }
}

/** A Task, Appointment or Encounter names a request: that makes it a referral (when its intent is one). Returns the request's key. */
export function noteReferenced(run: Run, written: string): string {
  const key = run.refs.resolve(written)!;
  const facts = run.state.requests.get(key);
  if (facts) facts.referenced = true;
  else run.state.referencedRequests.add(key);
  return facts?.key ?? key;
}

/** An entered-in-error request is known, so that what points at it is not taken for a referral of an earlier delivery. */
export function indexVoidedRequest(run: Run, row: Row<IndexedFields>): void {
  if (row.key === undefined) return;
  run.state.requests.set(row.key, new RequestFacts(row.key, row.ref, false, false, false, undefined, undefined, undefined, undefined, false));
}

/** After the first pass: which requests are referrals, and when each was received. */
export function decideReferrals(run: Run): void {
  const { state } = run;
  for (const [key, facts] of state.requests) {
    facts.isReferral = facts.eligible && (facts.referralCategory || facts.referenced || state.referencedRequests.has(key));
    if (facts.hasAuthoredOn || !facts.isReferral) state.taskAuthored.delete(key);
    else facts.receivedMs = state.taskAuthored.get(key)?.ms;
  }
  for (const key of state.taskAuthored.keys()) if (!state.requests.has(key)) state.taskAuthored.delete(key);
}

/** How a reference to a ServiceRequest stands: a referral of this delivery, a request that is not one, or one the delivery does not hold. */
export function requestStanding(run: Run, key: string | undefined): 'referral' | 'not a referral' | 'absent' {
  if (key === undefined || (typeOfKey(key) !== 'ServiceRequest' && typeOfKey(key) !== undefined)) return 'not a referral';
  const facts = run.state.requests.get(key);
  if (!facts) return typeOfKey(key) === 'ServiceRequest' && !key.includes('?') ? 'absent' : 'not a referral';
  return facts.isReferral ? 'referral' : 'not a referral';
}

/**
 * The referral a list of references (keys as written) names: the first ServiceRequest that is a
 * referral of this delivery or one the delivery does not hold (a referral
 * delivered earlier); undefined when none.
 */
export function referralOf(run: Run, keys: readonly string[]): { key: string; id: string; facts?: RequestFacts } | undefined {
  for (const written of keys) {
    const key = run.refs.resolve(written);
    const standing = requestStanding(run, key);
    if (standing === 'not a referral') continue;
    return { key: key!, id: idOfKey(key)!, facts: run.state.requests.get(key!) };
  }
  return undefined;
}

export function emitRequest(run: Run, row: Row<ServiceRequestFields>): void {
  const { fields, key, origin } = row;
  const facts = key === undefined ? undefined : run.state.requests.get(key);
  if (!facts?.isReferral) {
    run.output.skip(origin, 'not a referral');
    return;
  }
  const { output } = run;
  const received = facts.hasAuthoredOn ? fields.authoredOn : run.state.taskAuthored.get(key!);
  if (!facts.hasAuthoredOn && received !== undefined) output.issue(origin.file, 'received_at', 'no authoredOn: the earliest Task.authoredOn');
  const patientKey = run.refs.resolve(facts.subject);
  const patient = patientKey === undefined ? undefined : run.state.patients.get(patientKey);
  const clinician = clinicianOf(run, facts.requester, fields.requesterDisplay);
  output.emit(
    'referrals',
    {
      referral_id: idOfKey(key),
      received_at: run.timeText(received, origin, 'received_at'),
      patient_id: patientIdOf(run, fields.subject),
      patient_birth_date: birthDate(run, patient?.birthDate, origin.file),
      patient_zip: patient?.zip,
      patient_sex: mapped(run, 'gender', patient?.gender, origin.file, 'patient_sex', 'gender is not in the gender map: left empty'),
      referring_npi: clinician.npi,
      referring_id: clinician.id,
      referring_name: clinician.name,
      referring_practice: clinician.practice,
      service_line: facts.serviceLine,
      urgency: urgency(run, fields, origin.file),
      reason_code: fields.reasonCode,
      documents: documentsAtReceipt(run, key!, fields.supporting, facts.receivedMs).join(';') || undefined,
    },
    origin,
  );
  if (fields.status === 'revoked') {
    output.emit('referral_events', { referral_id: idOfKey(key), event_type: 'cancelled', event_at: run.timeText(fields.lastUpdated, origin, 'event_at') }, origin);
  }
}

function urgency(run: Run, fields: ServiceRequestFields, file: string): string | undefined {
  if (fields.priority === undefined) return undefined;
  if (fields.urgency !== undefined) return fields.urgency;
  run.output.issue(file, 'urgency', `priority '${fields.priority}' is not in the priority map: routine`);
  return 'routine';
}

function mapped(run: Run, map: 'gender', value: string | undefined, file: string, column: string, reason: string): string | undefined {
  if (value === undefined) return undefined;
  const out = run.maps.get(map).get(value);
  if (out === undefined) run.output.issue(file, column, reason);
  return out;
}

function birthDate(run: Run, value: string | undefined, file: string): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}(-\d{2})?$/.test(value)) {
    run.output.issue(file, 'patient_birth_date', 'a birth date with only a year or a month: left empty');
    return undefined;
  }
  return value;
}
