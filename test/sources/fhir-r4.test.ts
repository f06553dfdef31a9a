// The fhir-r4 adapter over a synthetic BSeR-like bulk export
// (fixtures/fhir-delivery.ts): what each resource becomes, what is skipped
// and why, and that every resource is accounted for.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalKind, CanonicalRow } from '../../src/sources/adapter.ts';
import { sourceMapProblems } from '../../src/sources/check-maps.ts';
import { fhirTime } from '../../src/sources/fhir-r4/datetime.ts';
import { fhirR4Adapter } from '../../src/sources/fhir-r4/index.ts';
import { Zone } from '../../src/sources/fhir-r4/zone.ts';
import {
  accountFor,
  adapterContext,
  BUNDLE_IDS,
  deliveryOf,
  EXPECTED_READ,
  EXPECTED_REFERRALS,
  FHIR_CONFIG,
  fhirDeliveryFiles,
  NPI_HALE,
  NPI_LIN,
  NPI_REYES,
  type Recorded,
  recordingOutput,
  writeFhirDelivery,
} from './fixtures/fhir-delivery.ts';

let dir: string;
let recorded: Recorded;

async function readFixture(config: object = FHIR_CONFIG, edit?: (files: Record<string, string>) => void): Promise<Recorded> {
  const out = recordingOutput();
  const folder = await mkdtemp(join(dir, 'variant-'));
  const files = fhirDeliveryFiles();
  edit?.(files);
  for (const [name, content] of Object.entries(files)) await writeFile(join(folder, name), content);
  await fhirR4Adapter.read(await deliveryOf(folder, 'variant'), adapterContext(fhirR4Adapter, config), out);
  return out.recorded;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-fhir-'));
  const { delivery } = await writeFhirDelivery(dir);
  const out = recordingOutput();
  await fhirR4Adapter.read(delivery, adapterContext(fhirR4Adapter), out);
  recorded = out.recorded;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const rows = (kind: CanonicalKind, r: Recorded = recorded) => r.emits.filter((e) => e.kind === kind).map((e) => e.row);
const rowOf = (kind: CanonicalKind, column: string, value: string, r: Recorded = recorded): CanonicalRow => {
  const found = rows(kind, r).filter((row) => row[column] === value);
  expect(found, `${kind} with ${column} = ${value}`).toHaveLength(1);
  return found[0]!;
};
/** The rule a raw row was skipped by, found by the id written on its line. */
const skipRuleOf = (file: string, id: string, r: Recorded = recorded): string[] => {
  const lines = fhirDeliveryFiles()[file]!.split('\n');
  const line = lines.findIndex((l) => l.includes(`"id":"${id}"`)) + 1;
  expect(line, `${id} in ${file}`).toBeGreaterThan(0);
  return r.skips.filter((s) => s.origin.file === file && s.origin.line === line).map((s) => s.rule);
};
const linesOf = (file: string, id: string) =>
  fhirDeliveryFiles()[file]!
    .split('\n')
    .map((l, i) => (l.includes(`"id":"${id}"`) ? i + 1 : 0))
    .filter((n) => n > 0);
const compact = (row: CanonicalRow) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined && v !== null && v !== ''));

describe('files and accounting', () => {
  it('reads every .ndjson and .json file once (any case), counting resources: blank lines are not, broken lines are', () => {
    expect(Object.fromEntries(recorded.reads)).toEqual(EXPECTED_READ);
    expect(fhirR4Adapter.accepts({ name: 'README.txt', path: '', sizeBytes: 1 })).toBe(false);
    expect(fhirR4Adapter.accepts({ name: 'Task.001.NDJSON', path: '', sizeBytes: 1 })).toBe(true);
  });

  it('accounts for every resource once: emitted + skipped + quarantined = read, per file', () => {
    const { files, problems } = accountFor(recorded);
    expect(problems).toEqual([]);
    expect(files.get('Slot.ndjson')).toEqual({ read: 8, emitted: 2, skipped: 6, quarantined: 0 });
  });

  it('quarantines a line that is not JSON and one that is not a resource, without their text', () => {
    expect(recorded.quarantines).toEqual([
      { origin: { file: 'Communication.ndjson', line: 9 }, reason: expect.stringMatching(/^not JSON/), column: undefined },
      { origin: { file: 'Communication.ndjson', line: 11 }, reason: 'not a FHIR resource: no resourceType', column: undefined },
    ]);
    expect(recorded.quarantines.map((q) => q.reason).join(' ')).not.toMatch(/comm-broken|resourceType"/);
  });

  it('skips lookups, unused types and entered-in-error by rule', () => {
    for (const [file, id] of [['Patient.ndjson', 'pat-1'], ['Organization.ndjson', 'org-1'], ['Location.ndjson', 'loc-1'], ['PractitionerRole.ndjson', 'role-1'], ['Schedule.ndjson', 'sched-1']] as const) {
      expect(skipRuleOf(file, id)).toEqual(['lookup']);
    }
    expect(skipRuleOf('Observation.ndjson', 'obs-1')).toEqual(['not used']);
    expect(skipRuleOf('ServiceRequest.000.ndjson', 'ref-5')).toEqual(['entered-in-error']);
  });

  it('never puts a patient identifier, name, birth date or ZIP in a reason', () => {
    const reasons = [...recorded.issues.map((i) => i.reason), ...recorded.quarantines.map((q) => q.reason), ...recorded.skips.map((s) => s.rule)].join('\n');
    for (const phi of ['MRN-', 'X-22', 'pat-', '1960', '1985', '1948', '02139', '10001', '60614', 'Okafor', 'Reyes']) expect(reasons).not.toContain(phi);
  });
});

describe('referrals from ServiceRequest', () => {
  it('emits exactly the referrals: category 3457005, or named by a Task, Appointment or Encounter, with a referral intent', () => {
    expect(rows('referrals').map((r) => r.referral_id).sort()).toEqual(['ref-1', 'ref-2', 'ref-4', 'ref-6', 'ref-7', BUNDLE_IDS.request].sort());
    expect(skipRuleOf('ServiceRequest.000.ndjson', 'sr-lab')).toEqual(['not a referral']);
    // Named by a Task, but a filler order is the performer's own copy, not a referral.
    expect(skipRuleOf('ServiceRequest.000.ndjson', 'sr-filler')).toEqual(['not a referral']);
  });

  it('maps a BSeR referral: instant kept, MRN, requester through the role, service line, urgency, ICD-10-CM reason, documents at receipt', () => {
    expect(compact(rowOf('referrals', 'referral_id', 'ref-1'))).toEqual({
      referral_id: 'ref-1',
      received_at: '2017-03-05T10:00:00Z',
      patient_id: 'MRN-0001',
      patient_birth_date: '1960-07-15',
      patient_zip: '02139',
      patient_sex: 'F',
      referring_npi: NPI_REYES,
      referring_id: 'prac-1',
      referring_name: 'Ana Reyes',
      referring_practice: 'Lakeside Family Medicine',
      service_line: 'cardiology',
      urgency: 'urgent',
      reason_code: 'I25.10',
      // doc-2 (dated after receipt) and doc-3 (related, after receipt) are not in the packet.
      documents: 'clinical_notes',
    });
  });

  it('reads a date-only authoredOn as local midnight, a service line from a display, a requester without NPI by id', () => {
    expect(compact(rowOf('referrals', 'referral_id', 'ref-2'))).toEqual({
      referral_id: 'ref-2',
      received_at: '2017-03-05 00:00:00',
      patient_id: 'pat-2',
      patient_zip: '10001',
      patient_sex: 'M',
      referring_id: 'prac-2',
      referring_name: 'Dr. Ben Okafor',
      service_line: 'orthopedics',
      urgency: 'stat',
      // Linked by the document's context.related, dated the day before; 34133-9 is not in the map: kept as its code.
      documents: '34133-9',
    });
    expect(recorded.issues).toContainEqual({ file: 'ServiceRequest.000.ndjson', column: 'patient_birth_date', reason: expect.stringContaining('only a year or a month') });
    expect(recorded.issues).toContainEqual({ file: 'ServiceRequest.000.ndjson', column: 'documents', reason: "document type '34133-9' is not in the documents map: kept as written" });
  });

  it('resolves urn:uuid references within a Bundle, and names the line where the resource starts', () => {
    const emitted = recorded.emits.find((e) => e.kind === 'referrals' && e.row.referral_id === BUNDLE_IDS.request)!;
    expect(compact(emitted.row)).toEqual({
      referral_id: BUNDLE_IDS.request,
      received_at: '2017-03-10T08:30:00-05:00',
      patient_id: 'MRN-0003',
      patient_birth_date: '1948-11-02',
      patient_zip: '60614',
      patient_sex: 'X',
      referring_npi: NPI_HALE,
      referring_id: BUNDLE_IDS.practitioner,
      referring_name: 'Omar J. Hale',
      service_line: 'orthopedics',
    });
    const bundleLines = fhirDeliveryFiles()['referral-bundle.json']!.split('\n');
    const resourceLine = bundleLines.findIndex((l) => l.includes('"resourceType": "ServiceRequest"'));
    expect(bundleLines[resourceLine - 1]).toContain('"resource": {');
    expect(emitted.origin).toEqual({ file: 'referral-bundle.json', line: resourceLine });
  });

  it('takes a year-month date as its first day (an issue), an unknown service line as written, an unmapped priority as routine (an issue)', () => {
    const row = rowOf('referrals', 'referral_id', 'ref-4');
    expect(row).toMatchObject({ received_at: '2017-04-01 00:00:00', service_line: 'D1', urgency: 'routine', patient_id: 'pat-absent' });
    expect(recorded.issues).toContainEqual({ file: 'ServiceRequest.000.ndjson', column: 'received_at', reason: expect.stringContaining('only a year or a month') });
    expect(recorded.issues).toContainEqual({ file: 'ServiceRequest.000.ndjson', column: 'urgency', reason: "priority 'elective' is not in the priority map: routine" });
  });

  it('gives a revoked referral a cancelled event at its meta.lastUpdated, from the same raw row', () => {
    const [line] = linesOf('ServiceRequest.000.ndjson', 'ref-4');
    const fromRow = recorded.emits.filter((e) => e.origin.file === 'ServiceRequest.000.ndjson' && e.origin.line === line);
    expect(fromRow.map((e) => [e.kind, compact(e.row)])).toEqual([
      ['referrals', expect.objectContaining({ referral_id: 'ref-4' })],
      ['referral_events', { referral_id: 'ref-4', event_type: 'cancelled', event_at: '2017-04-03T12:00:00Z' }],
    ]);
  });

  it('reads a local time without seconds, a service line from a concept text, and keeps a document dated exactly at receipt', () => {
    expect(rowOf('referrals', 'referral_id', 'ref-6')).toMatchObject({ received_at: '2017-03-12 09:15:00', service_line: 'cardiology', patient_id: 'MRN-0006', patient_sex: 'U', documents: 'discharge_summary', patient_zip: '30301' });
  });

  it('drops fractional seconds and keeps the offset', () => {
    expect(rowOf('referrals', 'referral_id', 'ref-7')).toMatchObject({ received_at: '2017-04-25T16:45:30-04:00', referring_npi: NPI_LIN, referring_id: 'prac-3', urgency: 'routine' });
  });

  it('takes received_at from the earliest Task.authoredOn when the request has no authoredOn', async () => {
    const r = await readFixture(FHIR_CONFIG, (files) => {
      files['ServiceRequest.000.ndjson'] = files['ServiceRequest.000.ndjson']!.replace('"authoredOn":"2017-03-05T10:00:00Z",', '');
    });
    // task-1's versions say 10:01Z; task-1 is the only Task on ref-1.
    expect(rowOf('referrals', 'referral_id', 'ref-1', r).received_at).toBe('2017-03-05T10:01:00Z');
    expect(r.issues).toContainEqual({ file: 'ServiceRequest.000.ndjson', column: 'received_at', reason: 'no authoredOn: the earliest Task.authoredOn' });
  });
});

describe('referral events from Task', () => {
  const events = (id: string) =>
    rows('referral_events')
      .filter((e) => e.referral_id === id)
      .map(compact);

  it('gives one event per change across versions in two files: accepted once, at executionPeriod.start', () => {
    expect(events('ref-1').filter((e) => e.event_type === 'accepted')).toEqual([{ referral_id: 'ref-1', event_type: 'accepted', event_at: '2017-03-05T14:00:00Z' }]);
    const rules = [...linesOf('Task.000.ndjson', 'task-1').flatMap((l) => rulesAt('Task.000.ndjson', l)), ...linesOf('Task.001.ndjson', 'task-1').flatMap((l) => rulesAt('Task.001.ndjson', l))];
    expect(rules.sort()).toEqual(['duplicate version', 'not a funnel event', 'unchanged version', 'unchanged version']);
  });

  it('orders versions by versionId as numbers (9 before 10), not by position', () => {
    expect(events('ref-6')).toEqual([{ referral_id: 'ref-6', event_type: 'accepted', event_at: '2017-03-12T11:00:00-04:00' }]);
  });

  it('declines with the reason by keyword: "not offered" is out_of_scope; a coding display "Insurance plan" is insurance', () => {
    expect(events('ref-2')).toEqual([{ referral_id: 'ref-2', event_type: 'declined', event_at: '2017-03-06T16:20:00-05:00', detail: 'out_of_scope' }]);
    expect(events(BUNDLE_IDS.request)).toEqual([{ referral_id: BUNDLE_IDS.request, event_type: 'declined', event_at: '2017-03-11T10:00:00-05:00', detail: 'insurance' }]);
  });

  it('skips a Task on a filler order and one on a medication request as not referral tasks', () => {
    expect(skipRuleOf('Task.000.ndjson', 'task-9')).toEqual(['not a referral task']);
    expect(skipRuleOf('Task.000.ndjson', 'task-10')).toEqual(['not a referral task']);
  });

  it('lets the config override the decline keywords and the BSeR map', async () => {
    const config = { ...FHIR_CONFIG, sources: [{ name: 'fhir', adapter: 'fhir-r4', path: 'fhir', maps: { decline_reason: { 'NOT OFFERED': 'clinical' }, bser_business_status: { '3.0': 'doc_requested' } } }] };
    const r = await readFixture(config);
    expect(rows('referral_events', r).filter((e) => e.referral_id === 'ref-2').map((e) => e.detail)).toEqual(['clinical']);
    // Version 2 (3.0) is now doc_requested; version 3 (5.1.1, still accepted) is then a change; version 4 (7.0) is not.
    expect(rows('referral_events', r).filter((e) => e.referral_id === 'ref-1' && e.event_at === '2017-03-05T14:00:00Z').map((e) => e.event_type)).toEqual(['doc_requested', 'accepted']);
  });
});

function rulesAt(file: string, line: number): string[] {
  return recorded.skips.filter((s) => s.origin.file === file && s.origin.line === line).map((s) => s.rule);
}

describe('contact and loop closure from Communication', () => {
  it('a completed Communication to the patient is contact_made at sent; not-done is contact_attempt at meta.lastUpdated', () => {
    const contact = rows('referral_events').filter((e) => e.event_type?.startsWith('contact')).map(compact);
    expect(contact).toEqual([
      { referral_id: 'ref-1', event_type: 'contact_made', event_at: '2017-03-06T15:30:00Z' },
      { referral_id: 'ref-1', event_type: 'contact_attempt', event_at: '2017-03-05T20:00:00Z' },
    ]);
  });

  it('closes the loop with the earliest summary to the requester sent after the first visit, on that visit only', () => {
    expect(rowOf('visits', 'visit_id', 'enc-1').summary_sent_at).toBe('2017-03-21T10:00:00Z');
    expect(rowOf('visits', 'visit_id', 'enc-1b').summary_sent_at).toBeUndefined();
    expect(skipRuleOf('Communication.ndjson', 'comm-2')).toEqual(['summary_sent_at of a visit']);
    // To the requester's practitioner rather than the role: the same clinician, but later.
    expect(skipRuleOf('Communication.ndjson', 'comm-3')).toEqual(['not the first summary']);
    expect(skipRuleOf('Communication.ndjson', 'comm-ack')).toEqual(['sent before the first visit']);
    expect(skipRuleOf('Communication.ndjson', 'comm-6')).toEqual(['summary without a visit']);
  });

  it('skips a Communication to someone else, and one based on no referral', () => {
    expect(skipRuleOf('Communication.ndjson', 'comm-4')).toEqual(['not to the patient or the requester']);
    expect(skipRuleOf('Communication.ndjson', 'comm-5')).toEqual(['not a referral communication']);
  });
});

describe('documents from DocumentReference', () => {
  it('a document dated after receipt is doc_received with its type, not in documents', () => {
    const received = rows('referral_events').filter((e) => e.event_type === 'doc_received').map(compact);
    expect(received).toEqual([
      { referral_id: 'ref-1', event_type: 'doc_received', event_at: '2017-03-07 00:00:00', detail: 'imaging_report' },
      { referral_id: 'ref-1', event_type: 'doc_received', event_at: '2017-03-06T12:00:00Z', detail: 'lab_results' },
    ]);
    expect(rowOf('referrals', 'referral_id', 'ref-1').documents).toBe('clinical_notes');
  });

  it('a document in a packet went into that referral; an unlinked one is skipped', () => {
    expect(skipRuleOf('DocumentReference.ndjson', 'doc-1')).toEqual(['document of a referral']);
    expect(skipRuleOf('DocumentReference.ndjson', 'doc-5')).toEqual(['not linked to a referral']);
  });
});

describe('appointments and visits', () => {
  it('maps Appointment status, type, times, patient and service line (else the referral’s)', () => {
    expect(rows('appointments').map(compact)).toEqual([
      { appointment_id: 'appt-1', referral_id: 'ref-1', patient_id: 'MRN-0001', service_line: 'cardiology', appointment_type: 'new_patient', booked_at: '2017-03-06T15:35:00Z', start_at: '2017-03-20T13:00:00Z', status: 'completed' },
      { appointment_id: 'appt-2', referral_id: 'ref-2', patient_id: 'pat-2', service_line: 'orthopedics', appointment_type: 'new_patient', start_at: '2017-03-15T09:00:00-04:00', status: 'cancelled' },
      { appointment_id: 'appt-6', referral_id: 'ref-6', patient_id: 'MRN-0006', service_line: 'cardiology', appointment_type: 'follow_up', start_at: '2017-03-20T14:00:00-04:00', status: 'no_show' },
      { appointment_id: 'appt-7', referral_id: 'ref-7', patient_id: 'MRN-0001', service_line: 'cardiology', appointment_type: 'new_patient', booked_at: '2017-04-28T09:00:00-04:00', start_at: '2017-05-02T10:00:00-04:00', status: 'booked' },
    ]);
    expect(skipRuleOf('appointment.NDJSON', 'appt-2w')).toEqual(['waitlist']);
  });

  it('lets the config map waitlist to booked', async () => {
    const config = { ...FHIR_CONFIG, sources: [{ name: 'fhir', adapter: 'fhir-r4', path: 'fhir', maps: { appointment_status: { Waitlist: 'booked' } } }] };
    const r = await readFixture(config, (files) => {
      files['appointment.NDJSON'] = files['appointment.NDJSON']!.replace('"status":"waitlist"', '"status":"waitlist","start":"2017-03-30T09:00:00-04:00"');
    });
    expect(rowOf('appointments', 'appointment_id', 'appt-2w', r).status).toBe('booked');
  });

  it('makes visits of finished Encounters only, the referral through basedOn or the appointment', () => {
    expect(rows('visits').map(compact)).toEqual([
      { visit_id: 'enc-1', referral_id: 'ref-1', appointment_id: 'appt-1', patient_id: 'MRN-0001', service_line: 'cardiology', visit_at: '2017-03-20T13:05:00Z', summary_sent_at: '2017-03-21T10:00:00Z' },
      { visit_id: 'enc-1b', referral_id: 'ref-1', patient_id: 'MRN-0001', service_line: 'cardiology', visit_at: '2017-04-03T13:00:00Z' },
    ]);
    expect(skipRuleOf('Encounter.ndjson', 'enc-2')).toEqual(['not finished']);
  });
});

describe('providers and capacity', () => {
  it('emits Practitioners with an NPI or that requested a referral, with their first role’s office', () => {
    expect(rows('providers').map(compact)).toEqual([
      // The practitioner's home address is not an office: the role's location gives the ZIP.
      { npi: NPI_REYES, provider_id: 'prac-1', name: 'Ana Reyes', specialty: '207Q00000X', practice: 'Lakeside Family Medicine', organization: 'Lakeside Family Medicine', zip: '02140' },
      { provider_id: 'prac-2', name: 'Dr. Ben Okafor', zip: '02141' },
      { npi: NPI_LIN, provider_id: 'prac-3', name: 'Grace Lin' },
      { npi: NPI_HALE, provider_id: BUNDLE_IDS.practitioner, name: 'Omar J. Hale' },
    ]);
    expect(skipRuleOf('Practitioner.ndjson', 'prac-4')).toEqual(['not a referrer']);
  });

  it('counts free and busy new-patient Slots per service line and local ISO week, from the first Slot of each', () => {
    const capacity = recorded.emits.filter((e) => e.kind === 'capacity');
    const slotLine = (id: string) => linesOf('Slot.ndjson', id)[0];
    expect(capacity.map((e) => [e.row, e.origin.line])).toEqual([
      // s1, s2, s3 (Sunday night) and s7 (Monday 03:30 UTC, Sunday in New York).
      [{ service_line: 'cardiology', week_start: '2017-03-20', new_patient_slots: '4' }, slotLine('s1')],
      [{ service_line: 'cardiology', week_start: '2017-03-27', new_patient_slots: '1' }, slotLine('s4')],
    ]);
    expect(['s2', 's3', 's7'].flatMap((id) => skipRuleOf('Slot.ndjson', id))).toEqual(['counted in capacity', 'counted in capacity', 'counted in capacity']);
    expect(skipRuleOf('Slot.ndjson', 's5')).toEqual(['not free or busy']);
    expect(skipRuleOf('Slot.ndjson', 's6')).toEqual(['follow-up slot']);
    expect(skipRuleOf('Slot.ndjson', 's8')).toEqual(['no service line']);
  });
});

describe('the value maps', () => {
  it('are data the config can see: every map the adapter reads has defaults', () => {
    expect(Object.keys(fhirR4Adapter.defaultMaps).sort()).toEqual(
      ['appointment_status', 'appointment_type', 'bser_business_status', 'communication_status', 'decline_reason', 'documents', 'gender', 'priority', 'referral_category', 'task_status'].sort(),
    );
    expect(fhirR4Adapter.defaultMaps.documents).toMatchObject({ '11488-4': 'clinical_notes', '18842-5': 'discharge_summary', '11502-2': 'lab_results', '18748-4': 'imaging_report' });
  });

  it('an entry mapped to "" switches a default off: without "not offered" the decline is other', async () => {
    const config = { ...FHIR_CONFIG, sources: [{ name: 'fhir', adapter: 'fhir-r4', path: 'fhir', maps: { decline_reason: { 'Not Offered': '' } } }] };
    const r = await readFixture(config);
    expect(rows('referral_events', r).filter((e) => e.referral_id === 'ref-2').map((e) => e.detail)).toEqual(['other']);
  });

  it('names the values a closed map may give, so a config mapping outside them is refused when it loads', () => {
    const problems = sourceMapProblems([
      { name: 'fhir', adapter: 'fhir-r4', path: 'fhir', maps: { appointment_status: { arrived: 'done', waitlist: 'skip' }, documents: { 'X-1': 'referral_letter' }, urgency: { a: 'b' } } },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^\$\.sources\[0\]\.maps\.appointment_status\.arrived: "done" is not one of/),
      expect.stringMatching(/^\$\.sources\[0\]\.maps\.urgency: the fhir-r4 adapter has no map urgency/),
    ]);
  });

  it('a category code added in the config makes a request a referral on its own', async () => {
    const config = { ...FHIR_CONFIG, sources: [{ name: 'fhir', adapter: 'fhir-r4', path: 'fhir', maps: { referral_category: { '108252007': 'referral' } } }] };
    const r = await readFixture(config);
    expect(rows('referrals', r).map((x) => x.referral_id)).toContain('sr-lab');
  });
});

describe('order and shape of the delivery', () => {
  it('gives the same rows and skips when every resource comes in one Bundle, in reverse order', async () => {
    const resources = Object.entries(fhirDeliveryFiles())
      .filter(([name]) => /\.ndjson$/i.test(name))
      .flatMap(([, text]) => text.split('\n'))
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          const value = JSON.parse(line);
          return typeof value?.resourceType === 'string' ? [value] : [];
        } catch {
          return [];
        }
      });
    const bundleEntries = JSON.parse(fhirDeliveryFiles()['referral-bundle.json']!).entry;
    const entries = [...resources.map((resource) => ({ resource })), ...bundleEntries].reverse();
    const r = await readFixture(FHIR_CONFIG, (files) => {
      for (const name of Object.keys(files)) delete files[name];
      files['everything.json'] = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries }, null, 1);
    });
    const canonical = (x: Recorded) => x.emits.map((e) => `${e.kind} ${JSON.stringify(compact(e.row))}`).sort();
    // Within one Bundle, versions and slots come in reverse order: the same events and counts, from other raw rows.
    expect(canonical(r)).toEqual(canonical(recorded));
    expect(r.skips.map((x) => x.rule).sort()).toEqual(recorded.skips.map((x) => x.rule).sort());
    expect(accountFor(r).problems).toEqual([]);
  });

  it('quarantines a request, appointment or encounter without an id: its row would have no key', async () => {
    const r = await readFixture(FHIR_CONFIG, (files) => {
      files['appointment.NDJSON'] = files['appointment.NDJSON']!.replace('"id":"appt-7",', '');
    });
    expect(r.quarantines.map((q) => [q.origin.file, q.reason])).toContainEqual(['appointment.NDJSON', 'an Appointment without an id']);
    expect(rows('appointments', r).map((a) => a.appointment_id)).not.toContain('appt-7');
  });

  it('takes an appointment’s own configured line, else its referral’s configured line, else its own value as written', async () => {
    const r = await readFixture(FHIR_CONFIG, (files) => {
      // appt-1 now names a line no alias knows; its referral ref-1 is cardiology.
      files['appointment.NDJSON'] = files['appointment.NDJSON']!.replace(/("id":"appt-1".*?"serviceType":\[\{"coding":\[\{"system":"[^"]+","code":")394579002(","display":")Cardiology/, '$1999999$2Sleep medicine');
    });
    expect(rowOf('appointments', 'appointment_id', 'appt-1', r).service_line).toBe('cardiology');
    // ref-4's line is unknown (D1); an appointment of it with its own unknown value keeps its own.
    const r2 = await readFixture(FHIR_CONFIG, (files) => {
      files['appointment.NDJSON'] += `${JSON.stringify({ resourceType: 'Appointment', id: 'appt-4', status: 'booked', basedOn: [{ reference: 'ServiceRequest/ref-4' }], serviceType: [{ text: 'Skin clinic' }], participant: [{ actor: { reference: 'Patient/pat-1' } }], start: '2017-04-10T09:00:00-04:00' })}\n`;
      files['appointment.NDJSON'] += `${JSON.stringify({ resourceType: 'Appointment', id: 'appt-4b', status: 'booked', basedOn: [{ reference: 'ServiceRequest/ref-4' }], participant: [{ actor: { reference: 'Patient/pat-1' } }], start: '2017-04-11T09:00:00-04:00' })}\n`;
    });
    expect(rowOf('appointments', 'appointment_id', 'appt-4', r2).service_line).toBe('Skin clinic');
    expect(rowOf('appointments', 'appointment_id', 'appt-4b', r2).service_line).toBe('D1');
  });
});

describe('the fixture’s hand-worked facts', () => {
  // Canonical text to an instant, as the contract reads it: a zone kept, else New York wall-clock time.
  const zone = new Zone('America/New_York');
  const instant = (value: string | null | undefined) => (value ? new Date(fhirTime(value.replace(' ', 'T'), zone)!.ms!).toISOString() : null);
  const earliest = (values: (string | null | undefined)[]) => values.map(instant).filter((v): v is string => v !== null).sort()[0] ?? null;

  it.each(EXPECTED_REFERRALS.map((e) => [e.referral_id, e] as const))('%s: agree with the emitted rows', (id, expected) => {
    const referral = rowOf('referrals', 'referral_id', id);
    const events = rows('referral_events').filter((e) => e.referral_id === id);
    const visits = rows('visits').filter((v) => v.referral_id === id);
    expect({
      referral_id: id,
      service_line: referral.service_line,
      received: instant(referral.received_at),
      contacted: earliest(events.filter((e) => e.event_type === 'contact_made').map((e) => e.event_at)),
      scheduled: rows('appointments').some((a) => a.referral_id === id),
      completed: earliest(visits.map((v) => v.visit_at)),
      loop_closed: earliest(visits.map((v) => v.summary_sent_at)),
      documents: referral.documents ? referral.documents.split(';') : [],
      declined: events.find((e) => e.event_type === 'declined')?.detail ?? null,
      cancelled: events.some((e) => e.event_type === 'cancelled'),
    }).toEqual(expected);
  });
});

describe('the worked example of docs/sources/fhir-r4.md', () => {
  it('gives the rows and skips the page says', async () => {
    const page = await readFile(new URL('../../docs/sources/fhir-r4.md', import.meta.url), 'utf8');
    const example = page.slice(page.indexOf('## Worked example'), page.indexOf('## How it reads'));
    const files: Record<string, string> = {};
    for (const m of example.matchAll(/`([A-Za-z]+\.ndjson)`\n\n```\n([\s\S]*?)```/g)) files[m[1]!] = m[2]!.replace(/^\d+ /gm, '');
    expect(Object.keys(files)).toHaveLength(8);
    const config = { timezone: 'America/New_York', service_lines: [{ id: 'cardiology', name: 'Cardiology', aliases: ['394579002'] }] };
    const r = await readFixture(config, (all) => {
      for (const name of Object.keys(all)) delete all[name];
      Object.assign(all, files);
    });
    expect(r.emits.map((e) => [e.kind, compact(e.row)]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [
        ['referrals', { referral_id: '900', received_at: '2026-11-02 00:00:00', patient_id: 'MRN0042', patient_birth_date: '1958-04-02', patient_zip: '02139', patient_sex: 'F', referring_npi: '1234567893', referring_id: 'dr1', referring_name: 'Ada Okafor', service_line: 'cardiology', urgency: 'routine', documents: 'clinical_notes' }],
        ['referral_events', { referral_id: '900', event_type: 'accepted', event_at: '2026-11-03T13:30:00Z' }],
        ['referral_events', { referral_id: '900', event_type: 'contact_made', event_at: '2026-11-03T15:00:00-05:00' }],
        ['appointments', { appointment_id: 'a1', referral_id: '900', patient_id: 'MRN0042', service_line: 'cardiology', appointment_type: 'new_patient', booked_at: '2026-11-04T10:15:00-05:00', start_at: '2026-11-18T13:30:00-05:00', status: 'completed' }],
        ['visits', { visit_id: 'e1', referral_id: '900', appointment_id: 'a1', patient_id: 'MRN0042', service_line: 'cardiology', visit_at: '2026-11-18T13:35:00-05:00', summary_sent_at: '2026-11-20T09:00:00-05:00' }],
        ['providers', { npi: '1234567893', provider_id: 'dr1', name: 'Ada Okafor' }],
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    expect(r.skips.map((x) => `${x.origin.file}:${x.origin.line} ${x.rule}`).sort()).toEqual(
      ['Patient.ndjson:1 lookup', 'Task.ndjson:1 not a funnel event', 'DocumentReference.ndjson:1 document of a referral', 'Communication.ndjson:2 summary_sent_at of a visit'].sort(),
    );
  });
});

