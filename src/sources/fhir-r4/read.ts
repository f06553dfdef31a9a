// Reading one delivery in two passes, so that no more than indexes are held:
//
// 1. Every file, every resource: what others need is indexed (lookups, which
//    requests are referenced, receipt times, first visits, loop-closing
//    summaries, documents), rows that emit nothing are accounted for at once
//    (quarantined, entered-in-error, lookup, not used, not finished), and the
//    rest are marked for the second pass. Then what depends on the whole
//    delivery is decided (which requests are referrals, who requested them,
//    which Communication closes which loop).
// 2. Only the marked rows are parsed again and emitted.
import type { AdapterContext, AdapterOutput, Delivery, DeliveryFile } from '../adapter.ts';
import { emitAppointment, indexAppointment } from './appointments.ts';
import { Capacity } from './capacity.ts';
import { decideLoopClosure, emitCommunication, indexCommunication } from './communications.ts';
import { emitDocument, indexDocument } from './documents.ts';
import { text, type Resource } from './elements.ts';
import { emitEncounter, foldVisitsOfAppointments, indexEncounter } from './encounters.ts';
import { indexLookup, linkRoles, LOOKUP_TYPES } from './lookups.ts';
import { collectRequesters, emitPractitioner } from './providers.ts';
import { formatOf, readRecords, type RawRecord } from './records.ts';
import { fullUrlKey, ownKey } from './references.ts';
import { decideReferrals, emitRequest, indexRequest, indexVoidedRequest } from './requests.ts';
import { Run, type Row } from './run.ts';
import { TaskVersions, indexTask } from './tasks.ts';

export async function readDelivery(delivery: Delivery, context: AdapterContext, output: AdapterOutput): Promise<void> {
  const files = delivery.files.filter((f) => formatOf(f.name) !== undefined);
  const run = new Run(files, context, output);
  const totalBytes = files.reduce((sum, f) => sum + f.sizeBytes, 0) || 1;
  let doneBytes = 0;

  const marks: Marks[] = files.map(() => new Marks());
  for (const index of firstPassOrder(files)) {
    const file = files[index]!;
    output.progress(`indexing ${file.name}`, doneBytes / totalBytes / 2);
    const marked = marks[index]!;
    const rows = await readRecords(file, (record) => {
      if (firstPass(run, index, record)) marked.add(record.ordinal);
    });
    output.read(file.name, rows);
    doneBytes += file.sizeBytes;
  }

  run.state.resolveKeys(run.refs, (a, b) => (run.instant(a)?.ms ?? Infinity) < (run.instant(b)?.ms ?? Infinity));
  linkRoles(run);
  decideReferrals(run);
  foldVisitsOfAppointments(run);
  collectRequesters(run);
  decideLoopClosure(run);

  const tasks = new TaskVersions(run);
  const capacity = new Capacity(run);
  doneBytes = 0;
  for (const [index, file] of files.entries()) {
    output.progress(`emitting ${file.name}`, 0.5 + doneBytes / totalBytes / 2);
    doneBytes += file.sizeBytes;
    const marked = marks[index]!;
    if (marked.size === 0) continue;
    await readRecords(
      file,
      (record) => secondPass(run, rowOf(run, index, record), tasks, capacity),
      (ordinal) => marked.has(ordinal),
    );
  }
  tasks.finish();
  capacity.finish();
  output.progress('done', 1);
}

/**
 * The order the first pass reads files in: lookups, then ServiceRequests,
 * then the rest (by their names in a bulk export). What is read after the
 * requests can be indexed against them directly, which keeps the indexes
 * small; any other order gives the same rows (row order in the delivery is
 * kept by each row's file index and ordinal).
 */
function firstPassOrder(files: readonly DeliveryFile[]): number[] {
  const rank = (name: string) => {
    const type = /^([A-Za-z]+)(?:[._]|$)/.exec(name.split('/').pop()!)?.[1]?.toLowerCase();
    if (type !== undefined && FIRST_TYPES.has(type)) return 0;
    return type === 'servicerequest' ? 1 : 2;
  };
  return files.map((f, i) => [rank(f.name), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
}

const KEYED_TYPES = new Set(['ServiceRequest', 'Appointment', 'Encounter']);

const FIRST_TYPES = new Set(['patient', 'practitioner', 'practitionerrole', 'organization', 'location', 'schedule']);

function rowOf(run: Run, file: number, record: RawRecord): Row {
  const resource = record.resource as Resource;
  return {
    resource,
    key: ownKey(resource, record.fullUrl),
    ref: { file, ordinal: record.ordinal, line: record.line },
    origin: { file: run.files[file]!.name, line: record.line },
  };
}

/** Returns whether the row is read again in the second pass. */
function firstPass(run: Run, file: number, record: RawRecord): boolean {
  const { output } = run;
  const origin = { file: run.files[file]!.name, line: record.line };
  if (record.problem !== undefined) {
    output.quarantine(origin, record.problem);
    return false;
  }
  if (record.empty || record.resource === undefined) {
    output.skip(origin, 'no resource');
    return false;
  }
  const row = rowOf(run, file, record);
  const { resource } = row;
  if (record.fullUrl !== undefined && row.key !== undefined && /^urn:/i.test(record.fullUrl)) run.refs.addAlias(fullUrlKey(record.fullUrl), row.key);
  if (row.key === undefined && KEYED_TYPES.has(resource.resourceType)) {
    // Its canonical row would have no key (referral_id, appointment_id, visit_id).
    output.quarantine(origin, `${/^[AEIOU]/.test(resource.resourceType) ? 'an' : 'a'} ${resource.resourceType} without an id`);
    return false;
  }
  if (isEnteredInError(resource)) {
    if (resource.resourceType === 'ServiceRequest') indexVoidedRequest(run, row);
    output.skip(origin, 'entered-in-error');
    return false;
  }
  switch (resource.resourceType) {
    case 'ServiceRequest':
      indexRequest(run, row);
      return true;
    case 'Task':
      indexTask(run, row);
      return true;
    case 'Appointment':
      indexAppointment(run, row);
      return true;
    case 'Encounter':
      return indexEncounter(run, row);
    case 'Communication':
      indexCommunication(run, row);
      return true;
    case 'DocumentReference':
      indexDocument(run, row);
      return true;
    case 'Practitioner':
      indexLookup(run, row);
      return true;
    case 'Slot':
      return true;
    default:
      if (LOOKUP_TYPES.has(resource.resourceType)) {
        indexLookup(run, row);
        output.skip(origin, 'lookup');
      } else {
        output.skip(origin, 'not used');
      }
      return false;
  }
}

function secondPass(run: Run, row: Row, tasks: TaskVersions, capacity: Capacity): void {
  switch (row.resource.resourceType) {
    case 'ServiceRequest':
      return emitRequest(run, row);
    case 'Task':
      return tasks.add(row);
    case 'Appointment':
      return emitAppointment(run, row);
    case 'Encounter':
      return emitEncounter(run, row);
    case 'Communication':
      return emitCommunication(run, row);
    case 'DocumentReference':
      return emitDocument(run, row);
    case 'Practitioner':
      return emitPractitioner(run, row);
    case 'Slot':
      return capacity.add(row);
  }
}

function isEnteredInError(resource: Resource): boolean {
  return text(resource.status) === 'entered-in-error' || (resource.resourceType === 'DocumentReference' && text(resource.docStatus) === 'entered-in-error');
}

/** The ordinals of a file's rows marked for the second pass. */
class Marks {
  private bits = new Uint8Array(1024);
  size = 0;

  add(ordinal: number): void {
    const byte = ordinal >> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(this.bits.length * 2, byte + 1));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte]! |= 1 << (ordinal & 7);
    this.size += 1;
  }

  has(ordinal: number): boolean {
    const byte = ordinal >> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (ordinal & 7))) !== 0;
  }
}
