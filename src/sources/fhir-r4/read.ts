// Reading one delivery in two passes, so that no more than indexes are held:
//
// 1. Every file, every resource: what others need is indexed (lookups, which
//    requests are referenced, receipt times, first visits, loop-closing
//    summaries, documents), rows that emit nothing are accounted for at once
//    (quarantined, entered-in-error, lookup, not used, not finished), and the
//    rest are marked for the second pass. Then what depends on the whole
//    delivery is decided (which requests are referrals, who requested them,
//    which Communication closes which loop).
// 2. Only the marked rows are read again and emitted.
//
// Each pass sees a resource as its fields (fields.ts; the first pass only
// those it indexes), read from the JSON by the field source
// (field-source.ts): in this thread for a small delivery, parsed again for
// the second pass; by worker threads for a big one, whose second pass reads
// the fields they kept in a private folder the output gives.
import type { AdapterOutput, Delivery, DeliveryFile, ReadingContext } from '../adapter.ts';
import { emitAppointment, indexAppointment } from './appointments.ts';
import { Capacity } from './capacity.ts';
import { decideLoopClosure, emitCommunication, indexCommunication } from './communications.ts';
import { emitDocument, indexDocument } from './documents.ts';
import { emitEncounter, foldVisitsOfAppointments, indexEncounter } from './encounters.ts';
import { fieldSourceFor } from './field-source.ts';
import { type FieldRecord, type IndexedFields, LOOKUP_TYPES } from './fields.ts';
import { indexLookup, linkRoles } from './lookups.ts';
import { collectRequesters, emitPractitioner } from './providers.ts';
import { formatOf } from './records.ts';
import { fullUrlKey } from './references.ts';
import { decideReferrals, emitRequest, indexRequest, indexVoidedRequest } from './requests.ts';
import { Run, type Row } from './run.ts';
import { TaskVersions, indexTask } from './tasks.ts';

/**
 * @param options.workers worker threads to read the JSON in (0: this thread); by default as many as the delivery is worth
 * @param options.batchBytes the bytes of NDJSON a worker parses at once
 */
export async function readDelivery(
  delivery: Delivery,
  context: ReadingContext,
  output: AdapterOutput,
  options: { workers?: number; batchBytes?: number } = {},
): Promise<void> {
  const files = delivery.files.filter((f) => formatOf(f.name) !== undefined);
  const run = new Run(files, context, output);
  const totalBytes = files.reduce((sum, f) => sum + f.sizeBytes, 0) || 1;
  let doneBytes = 0;
  const parallel = output.parallel;
  const source = fieldSourceFor(files, context, {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.batchBytes === undefined ? {} : { batchBytes: options.batchBytes }),
    ...(parallel ? { privateDir: () => parallel.partDir().dir } : {}),
  });
  try {
    const marks: Marks[] = files.map(() => new Marks());
    for (const index of firstPassOrder(files)) {
      const file = files[index]!;
      output.progress(`indexing ${file.name}`, doneBytes / totalBytes / 2);
      const marked = marks[index]!;
      const rows = await source.index(file, (record) => {
        if (firstPass(run, index, record)) marked.add(record.ordinal);
      });
      output.read(file.name, rows);
      doneBytes += file.sizeBytes;
    }

    run.state.resolveKeys(run.refs, (a, b) => (a.ms ?? Infinity) < (b.ms ?? Infinity));
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
      await source.emit(
        file,
        (record) => secondPass(run, rowOf(run, index, record), tasks, capacity),
        (ordinal) => marked.has(ordinal),
      );
    }
    tasks.finish();
    capacity.finish();
  } finally {
    await source.close();
  }
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

function rowOf<F extends IndexedFields>(run: Run, file: number, record: FieldRecord<F>): Row<F> {
  return {
    fields: record.fields!,
    key: record.fields!.key,
    ref: { file, ordinal: record.ordinal, line: record.line },
    origin: { file: run.files[file]!.name, line: record.line },
  };
}

/** Returns whether the row is read again in the second pass. */
function firstPass(run: Run, file: number, record: FieldRecord<IndexedFields>): boolean {
  const { output } = run;
  const origin = { file: run.files[file]!.name, line: record.line };
  if (record.problem !== undefined) {
    output.quarantine(origin, record.problem);
    return false;
  }
  if (record.empty || record.fields === undefined) {
    output.skip(origin, 'no resource');
    return false;
  }
  const row = rowOf(run, file, record);
  const { fields } = row;
  if (record.fullUrl !== undefined && row.key !== undefined && /^urn:/i.test(record.fullUrl)) run.refs.addAlias(fullUrlKey(record.fullUrl), row.key);
  if (row.key === undefined && KEYED_TYPES.has(fields.type)) {
    // Its canonical row would have no key (referral_id, appointment_id, visit_id).
    output.quarantine(origin, `${/^[AEIOU]/.test(fields.type) ? 'an' : 'a'} ${fields.type} without an id`);
    return false;
  }
  if (fields.voided) {
    if (fields.type === 'ServiceRequest') indexVoidedRequest(run, row);
    output.skip(origin, 'entered-in-error');
    return false;
  }
  switch (fields.type) {
    case 'ServiceRequest':
      indexRequest(run, row as Row<typeof fields>);
      return true;
    case 'Task':
      indexTask(run, row as Row<typeof fields>);
      return true;
    case 'Appointment':
      indexAppointment(run, row as Row<typeof fields>);
      return true;
    case 'Encounter':
      return indexEncounter(run, row as Row<typeof fields>);
    case 'Communication':
      indexCommunication(run, row as Row<typeof fields>);
      return true;
    case 'DocumentReference':
      indexDocument(run, row as Row<typeof fields>);
      return true;
    case 'Practitioner':
      indexLookup(run, row);
      return true;
    case 'Slot':
      return true;
    default:
      if (LOOKUP_TYPES.has(fields.type)) {
        indexLookup(run, row);
        output.skip(origin, 'lookup');
      } else {
        output.skip(origin, 'not used');
      }
      return false;
  }
}

function secondPass(run: Run, row: Row, tasks: TaskVersions, capacity: Capacity): void {
  const { fields } = row;
  switch (fields.type) {
    case 'ServiceRequest':
      return emitRequest(run, row as Row<typeof fields>);
    case 'Task':
      return tasks.add(row as Row<typeof fields>);
    case 'Appointment':
      return emitAppointment(run, row as Row<typeof fields>);
    case 'Encounter':
      return emitEncounter(run, row as Row<typeof fields>);
    case 'Communication':
      return emitCommunication(run, row as Row<typeof fields>);
    case 'DocumentReference':
      return emitDocument(run, row as Row<typeof fields>);
    case 'Practitioner':
      return emitPractitioner(run, row as Row<typeof fields>);
    case 'Slot':
      return capacity.add(row as Row<typeof fields>);
  }
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
