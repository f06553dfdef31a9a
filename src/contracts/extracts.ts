// The six extract kinds of extracts.md, column for column.
import type { ColumnContract, ExtractContract } from './types.ts';

const text = { kind: 'text' } as const;
/** Ids and codes compared with the config: matched case-insensitively, stored lower-case. */
const code = { kind: 'text', letterCase: 'lower' } as const;
const timestamp = { kind: 'timestamp' } as const;
const enumOf = (...values: string[]) => ({ kind: 'enum', values }) as const;

// The closed value sets other modules check against (config, adapters' value maps).
export const REFERRAL_TYPES = ['consult', 'diagnostic', 'post_discharge'] as const;
export const URGENCIES = ['routine', 'urgent', 'stat'] as const;
export const PATIENT_SEXES = ['F', 'M', 'X', 'U'] as const;
export const EVENT_TYPES = ['accepted', 'declined', 'doc_requested', 'doc_received', 'contact_attempt', 'contact_made', 'patient_declined', 'cancelled'] as const;
export const APPOINTMENT_TYPES = ['new_patient', 'follow_up', 'imaging', 'procedure'] as const;
export const APPOINTMENT_STATUSES = ['booked', 'completed', 'cancelled', 'no_show'] as const;

const col = (
  name: string,
  required: boolean,
  type: ColumnContract['type'],
  description: string,
  extra: Partial<ColumnContract> = {},
): ColumnContract => ({ name, required, type, description, ...extra });

export const referrals: ExtractContract = {
  kind: 'referrals',
  key: ['referral_id'],
  table: 'referrals',
  grain: 'One row per referral, as of the latest extract that holds it.',
  columns: [
    col('referral_id', true, text, "The receiving practice's id for the referral."),
    col('received_at', true, timestamp, 'When the referral arrived.'),
    col('patient_id', true, text, 'The patient, as a keyed pseudonym of the MRN (never the MRN).', { phi: 'pseudonymize' }),
    col('patient_name', false, text, 'Never stored.', { phi: 'never_store' }),
    col('patient_phone', false, text, 'Never stored.', { phi: 'never_store' }),
    col('patient_birth_date', false, { kind: 'date' }, 'Age band at referral (0-17 … 90+); the birth date is never stored.', { phi: 'age_band' }),
    col('patient_zip', false, text, "First three digits of the patient's ZIP ('000' for low-population prefixes).", { phi: 'zip3' }),
    col('patient_sex', false, { kind: 'enum', values: PATIENT_SEXES, letterCase: 'upper' }, 'F, M, X or U.'),
    col('referring_npi', false, { kind: 'npi' }, 'NPI of the referring clinician; null when missing or invalid.'),
    col('referring_id', false, text, "The sending system's own id for the referring clinician (an Epic provider id), for when it has no NPI."),
    col('referring_name', false, text, "The referring clinician's name."),
    col('referring_practice', false, text, 'The referring office or facility.'),
    col('service_line', true, text, 'Service line requested; one not in the config is out of scope.'),
    col('referral_type', false, enumOf(...REFERRAL_TYPES), 'consult, diagnostic or post_discharge.', { default: 'consult' }),
    col('urgency', false, enumOf(...URGENCIES), 'routine, urgent or stat.', { default: 'routine' }),
    col('channel', false, enumOf('fax', 'portal', 'direct', 'phone', 'email', 'ehr'), 'How the referral arrived.'),
    col('reason_code', false, { kind: 'icd10' }, 'ICD-10-CM code of the reason for referral.'),
    col('payer_type', false, enumOf('commercial', 'medicare', 'medicaid', 'self_pay', 'other'), "The patient's payer type."),
    col('documents', false, { kind: 'list' }, 'Document types that came with the referral packet.'),
  ],
};

export const referralEvents: ExtractContract = {
  kind: 'referral_events',
  key: ['referral_id', 'event_type', 'event_at'],
  table: 'referral_events',
  grain: 'One row per intake work-queue event (a repeated row is the same event).',
  columns: [
    col('referral_id', true, text, 'The referral the event belongs to.'),
    col(
      'event_type',
      true,
      enumOf(...EVENT_TYPES),
      'What happened.',
    ),
    col('event_at', true, timestamp, 'When it happened.'),
    col('detail', false, code, 'Decline reason, or the document type requested or received.'),
  ],
};

export const appointments: ExtractContract = {
  kind: 'appointments',
  key: ['appointment_id'],
  table: 'appointments',
  grain: 'One row per appointment, with the status of the latest extract.',
  columns: [
    col('appointment_id', true, text, 'The appointment.'),
    col('referral_id', false, text, 'The referral, when the scheduling system recorded it.'),
    col('patient_id', true, text, 'The patient, as a keyed pseudonym of the MRN.', { phi: 'pseudonymize' }),
    col('service_line', true, text, 'Service line of the appointment.'),
    col('appointment_type', false, enumOf(...APPOINTMENT_TYPES), 'new_patient, follow_up, imaging or procedure.', { default: 'new_patient' }),
    col('booked_at', false, timestamp, 'When the slot was booked; null when the export does not say (the appointment is then known from the earlier of start_at and its first load).'),
    col('start_at', true, timestamp, 'When the appointment starts.'),
    col('status', true, enumOf(...APPOINTMENT_STATUSES), 'booked, completed, cancelled or no_show.'),
  ],
};

export const visits: ExtractContract = {
  kind: 'visits',
  key: ['visit_id'],
  table: 'visits',
  grain: 'One row per completed visit.',
  columns: [
    col('visit_id', true, text, 'The visit.'),
    col('referral_id', false, text, 'The referral the visit belongs to, where the source knows it (linking rule 0).'),
    col('appointment_id', false, text, 'The appointment the visit came from, when known.'),
    col('patient_id', true, text, 'The patient, as a keyed pseudonym of the MRN.', { phi: 'pseudonymize' }),
    col('service_line', true, text, 'Service line of the visit.'),
    col('visit_at', true, timestamp, 'When the visit took place.'),
    col('summary_sent_at', false, timestamp, 'When the visit summary went back to the referring clinician.'),
  ],
};

export const providers: ExtractContract = {
  kind: 'providers',
  key: ['provider_key'],
  derivedKey: { name: 'provider_key', firstOf: ['npi', 'provider_id'], description: "The clinician's key: the valid NPI, else the source system's provider_id." },
  oneOf: ['npi', 'provider_id'],
  table: 'providers',
  grain: 'One row per referring clinician in the directory, keyed by the valid NPI, else the source system id.',
  columns: [
    col('npi', false, { kind: 'npi' }, "The clinician's NPI; null when missing or invalid."),
    col('provider_id', false, text, "The source system's own id for the clinician (matches referrals.referring_id)."),
    col('name', true, text, "The clinician's name."),
    col('specialty', false, text, 'NUCC taxonomy code or specialty name.'),
    col('practice', false, text, 'Office name.'),
    col('organization', false, text, 'Medical group, health system or network.'),
    col('zip', false, text, 'Office ZIP (not PHI).'),
    col('relationship', false, enumOf('affiliated', 'independent', 'competitor'), 'affiliated, independent or competitor.'),
    col('liaison', false, text, 'The outreach team member who owns the relationship.'),
  ],
};

export const capacity: ExtractContract = {
  kind: 'capacity',
  key: ['service_line', 'week_start'],
  table: 'capacity',
  grain: 'One row per service line and week.',
  columns: [
    col('service_line', true, text, 'Service line.'),
    col('week_start', true, { kind: 'date', mondayOnly: true }, 'The Monday of the week.'),
    col('new_patient_slots', true, { kind: 'count' }, 'Appointment slots open to new referred patients that week.'),
  ],
};

export const liaisonActivities: ExtractContract = {
  kind: 'liaison_activities',
  key: ['activity_id'],
  oneOf: ['npi', 'provider_id', 'practice'],
  table: 'liaison_activities',
  grain: "One row per touch of the outreach team with a referring clinician or office.",
  columns: [
    col('activity_id', true, text, 'The activity.'),
    col('at', true, timestamp, 'When the touch happened.'),
    col('liaison', true, text, 'The outreach team member.'),
    col('npi', false, { kind: 'npi' }, 'The clinician touched; null when missing or invalid.'),
    col('provider_id', false, text, "The clinician touched, by the source system's id."),
    col('practice', false, text, 'The office touched, when not one clinician.'),
    col('type', true, enumOf('visit', 'call', 'lunch', 'email', 'event'), 'visit, call, lunch, email or event.'),
    col('note', false, text, 'Free text: never stored.', { phi: 'never_store' }),
  ],
};

export const CONTRACTS: readonly ExtractContract[] = [referrals, referralEvents, appointments, visits, providers, capacity, liaisonActivities];

/** The contract of a kind. */
export function contractOf(kind: string): ExtractContract {
  const contract = CONTRACTS.find((c) => c.kind === kind);
  if (!contract) throw new Error(`no extract kind ${kind}`);
  return contract;
}
