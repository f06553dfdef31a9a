// The value maps of the fhir-r4 adapter, as data: `refloop init --profile
// fhir-r4` writes them out, and a practice overrides any entry under
// `sources[].maps.<map name>` in its config (config entries win; values are
// matched case-insensitively after trimming). In every map an entry whose
// value is "" switches that source value (or keyword) off, as in the Epic
// adapter's maps.
import type { ReadingContext, ValueMap } from '../adapter.ts';
import { normalizeValue } from '../value-map.ts';
import { APPOINTMENT_STATUSES, APPOINTMENT_TYPES, EVENT_TYPES, PATIENT_SEXES, URGENCIES } from '../../contracts/extracts.ts';
import { DECLINE_KEYWORDS, DECLINE_REASONS } from '../decline-keywords.ts';

/** The map value that means "skip the resource, counted under its source value" (an Appointment on the waitlist). */
export const SKIP = 'skip';

export const DEFAULT_MAPS = {
  /** ServiceRequest.priority → referrals.urgency (an unmapped value is routine, counted as an issue). */
  priority: { routine: 'routine', urgent: 'urgent', asap: 'stat', stat: 'stat' },
  /** Patient.gender → referrals.patient_sex. */
  gender: { female: 'F', male: 'M', other: 'X', unknown: 'U' },
  /**
   * ServiceRequest.category codes that make a request a referral on their own
   * (a request referenced by a Task, Appointment or Encounter is one anyway).
   * SNOMED 3457005 is "Patient referral"; add local or more specific codes here.
   */
  referral_category: { '3457005': 'referral' },
  /** Task.status → referral_events.event_type; other statuses (draft, requested, received, ready, failed) are not funnel events. */
  task_status: {
    accepted: 'accepted',
    'in-progress': 'accepted',
    'on-hold': 'accepted',
    completed: 'accepted',
    rejected: 'declined',
    cancelled: 'cancelled',
  },
  /** Task.businessStatus codes of the BSeR referral workflow → referral_events.event_type. */
  bser_business_status: {
    '3.0': 'accepted',
    '4.0': 'declined',
    '5.1.1': 'accepted',
    '5.1.4': 'accepted',
    '6.0': 'cancelled',
    '7.0': 'accepted',
  },
  /**
   * Keywords of a decline reason (Task.statusReason) → referral_events.detail,
   * tried in this order, case-insensitively, as parts of the reason; a reason
   * with none of them is `other`.
   */
  decline_reason: DECLINE_KEYWORDS,
  /** Communication.status → referral_events.event_type (a Communication to the patient). */
  communication_status: { completed: 'contact_made', 'not-done': 'contact_attempt', stopped: 'contact_attempt' },
  /** Appointment.status → appointments.status; `skip` skips the appointment (counted under its status). */
  appointment_status: {
    proposed: 'booked',
    pending: 'booked',
    booked: 'booked',
    arrived: 'booked',
    'checked-in': 'booked',
    fulfilled: 'completed',
    cancelled: 'cancelled',
    noshow: 'no_show',
    waitlist: SKIP,
  },
  /** Appointment.appointmentType and Slot.appointmentType (HL7 v2 table 0276) → appointments.appointment_type; unmapped is new_patient. */
  appointment_type: { FOLLOWUP: 'follow_up', ROUTINE: 'new_patient', WALKIN: 'new_patient', CHECKUP: 'new_patient', EMERGENCY: 'new_patient' },
  /** DocumentReference.type (LOINC) → document type; an unmapped type is kept as its code. */
  documents: {
    '11488-4': 'clinical_notes',
    '34117-2': 'clinical_notes',
    '11506-3': 'clinical_notes',
    '57133-1': 'clinical_notes',
    '18842-5': 'discharge_summary',
    '11502-2': 'lab_results',
    '18748-4': 'imaging_report',
    '48768-6': 'insurance_card',
  },
} as const satisfies Record<string, Record<string, string>>;

export type MapName = keyof typeof DEFAULT_MAPS;

/** The values each closed map may give ('' switches an entry off), checked when the config loads. `documents` is open: any document type. */
export const MAP_TARGETS: Readonly<Partial<Record<MapName, readonly string[]>>> = {
  priority: [...URGENCIES, ''],
  gender: [...PATIENT_SEXES, ''],
  referral_category: ['referral', ''],
  task_status: [...EVENT_TYPES, ''],
  bser_business_status: [...EVENT_TYPES, ''],
  decline_reason: [...DECLINE_REASONS, ''],
  communication_status: [...EVENT_TYPES, ''],
  appointment_status: [...APPOINTMENT_STATUSES, SKIP, ''],
  appointment_type: [...APPOINTMENT_TYPES, ''],
};

/** The maps of one read, merged with the config once. */
export class Maps {
  private readonly cache = new Map<MapName, ValueMap>();
  private keywordList: [string, string][] | undefined;

  constructor(private readonly context: ReadingContext) {}

  get(name: MapName): ValueMap {
    let map = this.cache.get(name);
    if (!map) {
      const configured = this.context.map(name);
      map = { entries: configured.entries, get: (value) => configured.get(value) || undefined };
      this.cache.set(name, map);
    }
    return map;
  }

  /** The decline detail of a reason text by the first keyword it contains; `other` when none. */
  declineDetail(reason: string | undefined): string {
    if (reason === undefined) return 'other';
    if (!this.keywordList) {
      // Later entries with the same keyword replace earlier ones but keep their place in the order.
      const ordered = new Map<string, string>();
      for (const [keyword, detail] of Object.entries(this.get('decline_reason').entries)) ordered.set(normalizeValue(keyword), detail);
      this.keywordList = [...ordered].filter(([keyword, detail]) => keyword !== '' && detail !== '');
    }
    const haystack = normalizeValue(reason);
    for (const [keyword, detail] of this.keywordList) if (haystack.includes(keyword)) return detail;
    return 'other';
  }
}
