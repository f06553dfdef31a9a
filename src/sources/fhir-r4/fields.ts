// What the adapter reads from each resource, taken out of it once
// (extract.ts) so the resource itself is never held or parsed again: a
// resource is a few hundred bytes of JSON, its fields here a few strings.
// The passes over the delivery (read.ts) index and emit from these.
//
// The fields cross from a worker thread as JSON, where an undefined inside
// an array would become null: lists hold only values, and what may be
// absent is an object's property.
//
// Keys are references as written (`References.keyOf`): they are resolved
// (`References.resolve`) where they are used, once the delivery's aliases
// are known. Service lines and value maps are applied here already; what an
// emitted row counts as an issue is counted where it is emitted.

/** A FHIR date/dateTime: its canonical text, its instant, and whether it gave only a year or a month. */
export interface TimeField {
  text: string;
  ms?: number;
  partial?: true;
}

/** A service line from CodeableConcepts: the configured line the first value names, and the first value as written. */
export interface ServiceLineField {
  line?: string;
  written?: string;
}

interface Common {
  /** `Type/id` (from the id, else the Bundle entry's fullUrl). */
  key?: string;
  /** Status (or docStatus) entered-in-error. */
  voided?: true;
}

export interface ServiceRequestFields extends Common {
  type: 'ServiceRequest';
  /** Its intent is order, original-order or plan. */
  referralIntent: boolean;
  /** Its category names a referral on its own (referral_category map). */
  referralCategory: boolean;
  serviceLine: ServiceLineField;
  requester?: string;
  requesterDisplay?: string;
  subject?: string;
  authoredOn?: TimeField;
  /** Keys of supportingInfo, as DocumentReferences. */
  supporting: string[];
  priority?: string;
  /** priority through the priority map. */
  urgency?: string;
  reasonCode?: string;
  status?: string;
  lastUpdated?: TimeField;
}

export interface TaskFields extends Common {
  type: 'Task';
  focus?: string;
  authoredOn?: TimeField;
  versionId?: string;
  lastUpdatedMs?: number;
  /** The funnel event it says, if any (task_status, bser_business_status and decline_reason maps). */
  event?: { type: string; at?: TimeField; detail?: string };
}

export interface AppointmentFields extends Common {
  type: 'Appointment';
  status?: string;
  /** status through the appointment_status map. */
  mappedStatus?: string;
  /** Keys of basedOn, as ServiceRequests. */
  basedOn: string[];
  /** The actors of its participants: the key as written, and read as a Patient. */
  participants: { actor?: string; patient?: string }[];
  serviceLine: ServiceLineField;
  /** appointmentType through the appointment_type map. */
  appointmentType?: string;
  created?: TimeField;
  start?: TimeField;
}

export interface EncounterFields extends Common {
  type: 'Encounter';
  status?: string;
  basedOn: string[];
  /** Its first appointment. */
  appointment?: string;
  subject?: string;
  serviceLine: ServiceLineField;
  periodStart?: TimeField;
}

export interface CommunicationFields extends Common {
  type: 'Communication';
  status?: string;
  /** status through the communication_status map. */
  contact?: string;
  basedOn: string[];
  recipients: string[];
  sent?: TimeField;
  lastUpdated?: TimeField;
}

export interface DocumentReferenceFields extends Common {
  type: 'DocumentReference';
  /** Its document type (documents map), else its first code as written. */
  documentType?: string;
  /** Whether the documents map named the type. */
  mapped: boolean;
  date?: TimeField;
  lastUpdated?: TimeField;
  /** Keys of context.related, as ServiceRequests. */
  related: string[];
}

/** An identifier a lookup resource may be referenced by. */
export interface IdentifierField {
  system?: string;
  value: string;
}

export interface PractitionerFields extends Common {
  type: 'Practitioner';
  npi?: string;
  name?: string;
  /** Office ZIP. */
  zip?: string;
  identifiers: IdentifierField[];
}

export interface PatientFields extends Common {
  type: 'Patient';
  mrn?: string;
  /** The identifiers whose value is the MRN. */
  mrnIdentifiers: IdentifierField[];
  birthDate?: string;
  zip?: string;
  gender?: string;
}

export interface PractitionerRoleFields extends Common {
  type: 'PractitionerRole';
  practitioner?: string;
  organization?: string;
  location?: string;
  specialty?: string;
  identifiers: IdentifierField[];
}

export interface OrganizationFields extends Common {
  type: 'Organization';
  name?: string;
  zip?: string;
  identifiers: IdentifierField[];
}

export interface LocationFields extends Common {
  type: 'Location';
  zip?: string;
  identifiers: IdentifierField[];
}

export interface ScheduleFields extends Common {
  type: 'Schedule';
  /** The configured line its serviceType or specialty names. */
  serviceLine?: string;
}

export interface SlotFields extends Common {
  type: 'Slot';
  status?: string;
  appointmentType?: string;
  schedule?: string;
  /** The configured line its serviceType names. */
  serviceLine?: string;
  startMs?: number;
}

/** A resource the adapter does not read. */
export interface OtherFields extends Common {
  type: 'other';
}

export type Fields =
  | ServiceRequestFields
  | TaskFields
  | AppointmentFields
  | EncounterFields
  | CommunicationFields
  | DocumentReferenceFields
  | PractitionerFields
  | PatientFields
  | PractitionerRoleFields
  | OrganizationFields
  | LocationFields
  | ScheduleFields
  | SlotFields
  | OtherFields;

/**
 * The fields the first pass (the indexes) reads, beside type, key and
 * voided: all a worker sends it (codec.ts). The index functions take
 * `Indexed` rows, so reading any other field there does not compile.
 */
export const INDEX_FIELDS = {
  ServiceRequest: ['referralIntent', 'referralCategory', 'serviceLine', 'requester', 'subject', 'authoredOn', 'supporting'],
  Task: ['focus', 'authoredOn'],
  Appointment: ['basedOn'],
  Encounter: ['status', 'basedOn', 'appointment', 'periodStart'],
  Communication: ['status', 'basedOn', 'recipients', 'sent'],
  DocumentReference: ['documentType', 'mapped', 'date', 'related'],
  Practitioner: ['npi', 'name', 'zip', 'identifiers'],
  Patient: ['mrn', 'mrnIdentifiers', 'birthDate', 'zip', 'gender'],
  PractitionerRole: ['practitioner', 'organization', 'location', 'specialty', 'identifiers'],
  Organization: ['name', 'zip', 'identifiers'],
  Location: ['zip', 'identifiers'],
  Schedule: ['serviceLine'],
  Slot: [],
  other: [],
} as const satisfies { [T in Fields['type']]: readonly (keyof Extract<Fields, { type: T }>)[] };

export type FieldsOf<T extends Fields['type']> = Extract<Fields, { type: T }>;

/** The fields of a type the first pass sees. */
export type Indexed<T extends Fields['type']> = {
  [K in keyof FieldsOf<T> as K extends 'type' | 'key' | 'voided' | (typeof INDEX_FIELDS)[T][number] ? K : never]: FieldsOf<T>[K];
};

export type IndexedFields = { [T in Fields['type']]: Indexed<T> }[Fields['type']];

/** The resource types that are lookups: indexed, then skipped as 'lookup'. */
export const LOOKUP_TYPES: ReadonlySet<string> = new Set(['Patient', 'PractitionerRole', 'Organization', 'Location', 'Schedule']);

/** One raw row of a file, as the passes see it (the first pass may see only its Indexed fields). */
export interface FieldRecord<F extends IndexedFields = Fields> {
  /** 0-based position of the row in its file (its NDJSON line among non-blank lines, or its Bundle entry). */
  ordinal: number;
  /** The physical line where the resource starts. */
  line: number;
  fields?: F;
  /** The Bundle entry's fullUrl. */
  fullUrl?: string;
  /** Why the row cannot be read at all (quarantined). */
  problem?: string;
  /** A Bundle entry without a resource: nothing to read. */
  empty?: boolean;
}
