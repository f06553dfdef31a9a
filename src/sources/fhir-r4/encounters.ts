// Encounter → visits. Every Encounter with status finished (others are
// skipped as 'not finished'): its referral is the first basedOn referral,
// else the referral of its first appointment; service_line from serviceType
// (then type) through the aliases, else the referral's configured line, else
// its own value as written; visit_at
// period.start. The referral's first visit (earliest period.start) carries
// the loop-closing summary's sent time (communications.ts).
import type { EncounterFields, Indexed } from './fields.ts';
import { patientIdOf } from './lookups.ts';
import { idOfKey, typeOfKey } from './references.ts';
import { sameRef } from './record-ref.ts';
import { noteReferenced, referralOf, requestStanding } from './requests.ts';
import type { Row, Run } from './run.ts';
import { earlierVisit, VisitCandidate } from './state.ts';

/** Returns whether the Encounter is read again (finished). */
export function indexEncounter(run: Run, row: Row<Indexed<'Encounter'>>): boolean {
  const { fields, key } = row;
  const { state } = run;
  const requests: string[] = [];
  for (const k of fields.basedOn) {
    if (typeOfKey(k) === 'ServiceRequest' || typeOfKey(k) === undefined) requests.push(noteReferenced(run, k));
  }
  if (fields.status !== 'finished') {
    run.output.skip(row.origin, 'not finished');
    return false;
  }
  const ms = fields.periodStart?.ms;
  if (ms === undefined || key === undefined) return true;
  const candidate = new VisitCandidate(row.ref, ms);
  if (requests.length > 0) {
    for (const k of requests) {
      const prior = state.visitByRequest.get(k);
      state.visitByRequest.set(k, prior ? earlierVisit(prior, candidate) : candidate);
    }
  } else {
    const appointment = fields.appointment;
    if (appointment !== undefined) {
      const prior = state.visitByAppointment.get(appointment);
      state.visitByAppointment.set(appointment, prior ? earlierVisit(prior, candidate) : candidate);
    }
  }
  return true;
}

/** After the first pass: visits known only through their appointment count for the appointment's referral. */
export function foldVisitsOfAppointments(run: Run): void {
  const { state } = run;
  for (const [appointment, candidate] of state.visitByAppointment) {
    const request = state.appointmentRequest.get(appointment);
    if (request === undefined) continue;
    const prior = state.visitByRequest.get(request);
    state.visitByRequest.set(request, prior ? earlierVisit(prior, candidate) : candidate);
  }
}

export function emitEncounter(run: Run, row: Row<EncounterFields>): void {
  const { fields, key, origin } = row;
  const appointmentKey = run.refs.resolve(fields.appointment);
  const referral = referralOf(run, fields.basedOn) ?? referralOfAppointment(run, appointmentKey);
  const closure = referral ? run.state.loopClosure.get(referral.key) : undefined;
  const isFirstVisit = closure !== undefined && sameRef(closure.visit, row.ref);
  run.output.emit(
    'visits',
    {
      visit_id: idOfKey(key),
      referral_id: referral?.id,
      appointment_id: typeOfKey(appointmentKey) === 'Appointment' ? idOfKey(appointmentKey) : undefined,
      patient_id: patientIdOf(run, fields.subject),
      service_line: run.serviceLineWithReferral(fields.serviceLine, referral?.facts),
      visit_at: run.timeText(fields.periodStart, origin, 'visit_at'),
      summary_sent_at: isFirstVisit ? run.timeText(closure.sent, origin, 'summary_sent_at') : undefined,
    },
    origin,
  );
}

function referralOfAppointment(run: Run, appointmentKey: string | undefined): ReturnType<typeof referralOf> {
  if (appointmentKey === undefined) return undefined;
  const request = run.refs.resolve(run.state.appointmentRequest.get(appointmentKey));
  if (request === undefined || requestStanding(run, request) === 'not a referral') return undefined;
  return { key: request, id: idOfKey(request)!, facts: run.state.requests.get(request) };
}
