// Appointment → appointments. Every Appointment: its first basedOn referral,
// the patient among its participants, the service line of its serviceType
// or specialty (a configured line, else the referral's configured line, else
// its own value as written), appointmentType through the
// appointment_type map (unmapped: new_patient), booked_at `created`,
// start_at `start`, status through the appointment_status map (a status the
// map sends to `skip`, waitlist by default, skips the appointment; an
// unmapped one is handed on as written for the canonical validation to
// quarantine). An appointment without a start (a proposal) is skipped.
import { elements, firstMapped, text } from './elements.ts';
import { patientIdOf } from './lookups.ts';
import { SKIP } from './maps.ts';
import { idOfKey, typeOfKey } from './references.ts';
import { noteReferenced, referralOf } from './requests.ts';
import type { Row, Run } from './run.ts';

export function indexAppointment(run: Run, row: Row): void {
  let first = true;
  for (const reference of elements(row.resource.basedOn)) {
    const key = run.refs.keyOf(reference, 'ServiceRequest');
    if (key === undefined || (typeOfKey(key) !== 'ServiceRequest' && typeOfKey(key) !== undefined)) continue;
    const request = noteReferenced(run, key);
    if (first && row.key !== undefined) run.state.appointmentRequest.set(row.key, request);
    first = false;
  }
}

export function emitAppointment(run: Run, row: Row): void {
  const { resource, key, origin } = row;
  const status = text(resource.status);
  const mapped = run.maps.get('appointment_status').get(status);
  if (mapped === SKIP) {
    run.output.skip(origin, status!.toLowerCase());
    return;
  }
  if (text(resource.start) === undefined) {
    run.output.skip(origin, 'no start');
    return;
  }
  const referral = referralOf(run, resource.basedOn);
  const typeMap = run.maps.get('appointment_type');
  run.output.emit(
    'appointments',
    {
      appointment_id: idOfKey(key),
      referral_id: referral?.id,
      patient_id: patientOf(run, resource.participant),
      service_line: run.serviceLineWithReferral([...elements(resource.serviceType), ...elements(resource.specialty)], referral?.facts),
      appointment_type: firstMapped([resource.appointmentType], (v) => typeMap.get(v)) ?? 'new_patient',
      booked_at: run.timeText(resource.created, origin, 'booked_at'),
      start_at: run.timeText(resource.start, origin, 'start_at'),
      status: mapped ?? status,
    },
    origin,
  );
}

function patientOf(run: Run, participants: unknown): string | undefined {
  for (const participant of elements(participants)) {
    const actor = participant.actor;
    if (typeOfKey(run.refs.find(actor)) === 'Patient') return patientIdOf(run, actor);
  }
  return undefined;
}
