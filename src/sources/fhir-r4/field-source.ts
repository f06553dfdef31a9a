// Where the passes get each row's fields from. JSON.parse is most of what
// reading a FHIR export costs, so for a big delivery the NDJSON files are
// cut into batches of whole lines and parsed, and their fields read, by
// worker threads, while this thread indexes the rows of the batch before;
// the second pass reads the fields the workers kept (worker-source.ts).
// `.json` files (a resource or a Bundle each) are read here. A small
// delivery is read here entirely, twice: a worker costs a second or so to
// start.
import { availableParallelism } from 'node:os';
import type { DeliveryFile, ReadingContext } from '../adapter.ts';
import { Extractor } from './extract.ts';
import type { FieldRecord, IndexedFields } from './fields.ts';
import { formatOf, readRecords } from './records.ts';
import { WorkerFieldSource } from './worker-source.ts';

export interface FieldSource {
  /** The first pass over a file: every row, with (at least) its Indexed fields; returns how many rows the file holds. */
  index(file: DeliveryFile, onRecord: (record: FieldRecord<IndexedFields>) => void): Promise<number>;
  /** The second pass: the rows `wanted` names, with all their fields. */
  emit(file: DeliveryFile, onRecord: (record: FieldRecord) => void, wanted: (ordinal: number) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Below this many bytes of NDJSON, the delivery is read in this thread. */
const WORKER_BYTES = 64 * 2 ** 20;

/**
 * @param options.workers how many worker threads (0: none); by default none
 * below WORKER_BYTES, else two (one on a single core).
 * @param options.batchBytes the size of the batches the workers parse (tests make them small)
 * @param options.privateDir a private folder for the workers' spill files;
 * without one, the delivery is read in this thread.
 */
export function fieldSourceFor(
  files: readonly DeliveryFile[],
  context: ReadingContext,
  options: { workers?: number; batchBytes?: number; privateDir?: () => string } = {},
): FieldSource {
  const here = new ThreadFieldSource(context);
  const ndjsonBytes = files.filter((f) => formatOf(f.name) === 'ndjson').reduce((n, f) => n + f.sizeBytes, 0);
  const count = options.workers ?? (ndjsonBytes < WORKER_BYTES ? 0 : Math.min(2, availableParallelism()));
  return count > 0 && options.privateDir ? new WorkerFieldSource(context, count, here, options.privateDir(), options.batchBytes) : here;
}

/** Parses and reads each row in this thread. */
export class ThreadFieldSource implements FieldSource {
  private readonly extractor: Extractor;

  constructor(context: ReadingContext) {
    this.extractor = new Extractor(context);
  }

  index(file: DeliveryFile, onRecord: (record: FieldRecord) => void): Promise<number> {
    return this.read(file, onRecord);
  }

  async emit(file: DeliveryFile, onRecord: (record: FieldRecord) => void, wanted: (ordinal: number) => boolean): Promise<void> {
    await this.read(file, onRecord, wanted);
  }

  private read(file: DeliveryFile, onRecord: (record: FieldRecord) => void, wanted?: (ordinal: number) => boolean): Promise<number> {
    return readRecords(
      file,
      (raw) => {
        const record: FieldRecord = { ordinal: raw.ordinal, line: raw.line };
        if (raw.problem !== undefined) record.problem = raw.problem;
        if (raw.empty) record.empty = true;
        if (raw.fullUrl !== undefined) record.fullUrl = raw.fullUrl;
        if (raw.resource !== undefined) record.fields = this.extractor.fields(raw.resource, raw.fullUrl);
        onRecord(record);
      },
      wanted,
    );
  }

  async close(): Promise<void> {}
}
