// Appointment → appointments. Every Appointment: its first basedOn referral,
// the patient among its participants, the service line of its serviceType
// or specialty (a configured line, else the referral's configured line, else
// its own value as written), appointmentType through the
// appointment_type map (unmapped: new_patient), booked_at `created`,
// start_at `start`, status through the appointment_status map (a status the
// map sends to `skip`, waitlist by default, skips the appointment; an
// unmapped one is handed on as written for the canonical validation to
// quarantine). An appointment without a start (a proposal) is skipped.
import type { AppointmentFields, Indexed } from './fields.ts';
import { patientIdOf } from './lookups.ts';
import { SKIP } from './maps.ts';
import { idOfKey, typeOfKey } from './references.ts';
import { noteReferenced, referralOf } from './requests.ts';
import type { Row, Run } from './run.ts';

export function indexAppointment(run: Run, row: Row<Indexed<'Appointment'>>): void {
  let first = true;
  for (const key of row.fields.basedOn) {
    if (typeOfKey(key) !== 'ServiceRequest' && typeOfKey(key) !== undefined) continue;
    const request = noteReferenced(run, key);
    if (first && row.key !== undefined) run.state.appointmentRequest.set(row.key, request);
    first = false;
  }
}

export function emitAppointment(run: Run, row: Row<AppointmentFields>): void {
  const { fields, key, origin } = row;
  const status = fields.status;
  const mapped = fields.mappedStatus;
  if (mapped === SKIP) {
    run.output.skip(origin, status!.toLowerCase());
    return;
  }
  if (fields.start === undefined) {
    run.output.skip(origin, 'no start');
    return;
  }
  const referral = referralOf(run, fields.basedOn);
  run.output.emit(
    'appointments',
    {
      appointment_id: idOfKey(key),
      referral_id: referral?.id,
      patient_id: patientOf(run, fields.participants),
      service_line: run.serviceLineWithReferral(fields.serviceLine, referral?.facts),
      appointment_type: fields.appointmentType ?? 'new_patient',
      booked_at: run.timeText(fields.created, origin, 'booked_at'),
      start_at: run.timeText(fields.start, origin, 'start_at'),
      status: mapped ?? status,
    },
    origin,
  );
}

/** The patient among the participants: the first actor that is a Patient. */
function patientOf(run: Run, participants: AppointmentFields['participants']): string | undefined {
  for (const { actor, patient } of participants) {
    if (typeOfKey(run.refs.resolve(actor)) === 'Patient') return patientIdOf(run, patient);
  }
  return undefined;
}
