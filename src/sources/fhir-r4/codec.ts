// A batch's rows as they cross from a worker thread and lie in a spill file
// (worker-source.ts): one JSON array of rows, each row an array
// `[line, type, key, voided, ...slots]` with the fields in a fixed order per
// type, so the text holds no property names (the reading thread parses it,
// and parsing is most of its work). A time is `[text, ms]` (`[text]`
// without an instant, `[text, ms, 1]` when partial); an absent field is
// null. A row that cannot be read is `[line, 0, problem]`. A row's ordinal
// is its place among the batch's rows. The first pass is sent only the
// fields it reads (INDEX_FIELDS), the second all of them.
import { type FieldRecord, type Fields, INDEX_FIELDS, type IndexedFields, type TimeField } from './fields.ts';

type Encoded = (string | number | boolean | null | unknown[] | object)[];

/** The fields of each type in slot order; `key` and `voided` come first for all. */
const SLOTS = {
  ServiceRequest: [
    'referralIntent',
    'referralCategory',
    'serviceLine',
    'requester',
    'requesterDisplay',
    'subject',
    'authoredOn',
    'supporting',
    'priority',
    'urgency',
    'reasonCode',
    'status',
    'lastUpdated',
  ],
  Task: ['focus', 'authoredOn', 'versionId', 'lastUpdatedMs', 'event'],
  Appointment: ['status', 'mappedStatus', 'basedOn', 'participants', 'serviceLine', 'appointmentType', 'created', 'start'],
  Encounter: ['status', 'basedOn', 'appointment', 'subject', 'serviceLine', 'periodStart'],
  Communication: ['status', 'contact', 'basedOn', 'recipients', 'sent', 'lastUpdated'],
  DocumentReference: ['documentType', 'mapped', 'date', 'lastUpdated', 'related'],
  Practitioner: ['npi', 'name', 'zip', 'identifiers'],
  Patient: ['mrn', 'mrnIdentifiers', 'birthDate', 'zip', 'gender'],
  PractitionerRole: ['practitioner', 'organization', 'location', 'specialty', 'identifiers'],
  Organization: ['name', 'zip', 'identifiers'],
  Location: ['zip', 'identifiers'],
  Schedule: ['serviceLine'],
  Slot: ['status', 'appointmentType', 'schedule', 'serviceLine', 'startMs'],
  other: [],
} as const satisfies Record<Fields['type'], readonly string[]>;

/** Checked when compiling: a field without a slot would be lost on the way. */
type Unslotted = { [T in Fields['type']]: Exclude<keyof Extract<Fields, { type: T }>, 'type' | 'key' | 'voided' | (typeof SLOTS)[T][number]> }[Fields['type']];
export const EVERY_FIELD_HAS_A_SLOT: [Unslotted] extends [never] ? true : Unslotted = true;

/** The slots of the first pass: the indexed fields, in slot order. */
const INDEX_SLOTS = {} as Record<Fields['type'], readonly string[]>;
for (const type of Object.keys(SLOTS) as Fields['type'][]) {
  const indexed: readonly string[] = INDEX_FIELDS[type];
  INDEX_SLOTS[type] = (SLOTS[type] as readonly string[]).filter((name) => indexed.includes(name));
}

/** Which fields a text holds: all of them, or the first pass's. */
export type Slots = 'all' | 'index';

const slotsOf = (which: Slots, type: Fields['type']): readonly string[] => (which === 'all' ? SLOTS[type] : INDEX_SLOTS[type]);

/** Fields that are times (TimeField), by name. A Task's event holds one as `at`. */
const TIMES = new Set(['authoredOn', 'lastUpdated', 'created', 'start', 'periodStart', 'sent', 'date']);

/** Type numbers from 1 (0 is a row that cannot be read). */
const TYPES = Object.keys(SLOTS) as Fields['type'][];
const TYPE_NUMBER = new Map(TYPES.map((type, i) => [type, i + 1]));

function encodeTime(time: TimeField): unknown[] {
  if (time.ms === undefined) return [time.text];
  return time.partial ? [time.text, time.ms, 1] : [time.text, time.ms];
}

function decodeTime(encoded: unknown[]): TimeField {
  const time: TimeField = { text: encoded[0] as string };
  if (encoded.length > 1) time.ms = encoded[1] as number;
  if (encoded.length > 2) time.partial = true;
  return time;
}

/** The rows of a batch as JSON text. Only records with fields or a problem (NDJSON rows have one or the other). */
export function encodeRows(records: readonly FieldRecord[], which: Slots): string {
  const rows: Encoded[] = [];
  for (const record of records) {
    const fields = record.fields;
    if (!fields) {
      rows.push([record.line, 0, record.problem ?? null]);
      continue;
    }
    const bag = fields as unknown as Record<string, unknown>;
    const row: Encoded = [record.line, TYPE_NUMBER.get(fields.type)!, fields.key ?? null, fields.voided ? 1 : 0];
    for (const name of slotsOf(which, fields.type)) {
      const value = bag[name];
      if (value === undefined) row.push(null);
      else if (TIMES.has(name)) row.push(encodeTime(value as TimeField));
      else if (name === 'event') {
        const event = value as { type: string; at?: TimeField; detail?: string };
        row.push([event.type, event.at ? encodeTime(event.at) : null, event.detail ?? null]);
      } else row.push(value as Encoded[number]);
    }
    rows.push(row);
  }
  return JSON.stringify(rows);
}

/** The records of a batch's JSON text, their ordinals from `ordinal` and lines from `line` on. */
export function decodeRows(text: string, which: 'index', ordinal: number, line: number, onRecord: (record: FieldRecord<IndexedFields>) => void): void;
export function decodeRows(text: string, which: 'all', ordinal: number, line: number, onRecord: (record: FieldRecord) => void, wanted?: (ordinal: number) => boolean): void;
export function decodeRows(text: string, which: Slots, ordinal: number, line: number, onRecord: (record: FieldRecord) => void, wanted?: (ordinal: number) => boolean): void {
  const rows = JSON.parse(text) as Encoded[];
  for (let i = 0; i < rows.length; i++) {
    if (wanted && !wanted(ordinal + i)) continue;
    const row = rows[i]!;
    const record: FieldRecord = { ordinal: ordinal + i, line: line + (row[0] as number) };
    const typeNumber = row[1] as number;
    if (typeNumber === 0) record.problem = row[2] as string;
    else record.fields = decodeFields(row, TYPES[typeNumber - 1]!, slotsOf(which, TYPES[typeNumber - 1]!));
    onRecord(record);
  }
}

function decodeFields(row: Encoded, type: Fields['type'], slots: readonly string[]): Fields {
  const bag: Record<string, unknown> = { type };
  if (row[2] !== null) bag.key = row[2];
  if (row[3] === 1) bag.voided = true;
  for (let s = 0; s < slots.length; s++) {
    const value = row[s + 4];
    if (value === null || value === undefined) continue;
    const name = slots[s]!;
    if (TIMES.has(name)) bag[name] = decodeTime(value as unknown[]);
    else if (name === 'event') {
      const [eventType, at, detail] = value as [string, unknown[] | null, string | null];
      const event: { type: string; at?: TimeField; detail?: string } = { type: eventType };
      if (at !== null) event.at = decodeTime(at);
      if (detail !== null) event.detail = detail;
      bag[name] = event;
    } else bag[name] = value;
  }
  return bag as unknown as Fields;
}
