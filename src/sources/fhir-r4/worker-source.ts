// The field source of a big delivery (field-source.ts). The first pass over
// an NDJSON file cuts it into batches of whole lines, each parsed by the
// next of a few worker threads (extract-worker.ts), and hands the batches'
// rows on in file order while the next batches are parsed. A worker answers
// with the fields the first pass reads, and keeps all of a batch's fields in
// a spill file of its own, in the job's private folder; the second pass
// reads the batches back from the spill files, in the same order, and parses
// only those fields instead of the resources. Other files are read by this
// thread's source.
import { createReadStream, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryFile, ReadingContext } from '../adapter.ts';
import { WorkerChannel } from '../parallel.ts';
import { decodeRows } from './codec.ts';
import type { BatchReply, BatchRequest } from './extract-worker.ts';
import type { FieldSource } from './field-source.ts';
import type { FieldRecord, IndexedFields } from './fields.ts';
import { formatOf } from './records.ts';

/** Bytes read at once; a batch is these, cut after the last whole line. */
export const BATCH_BYTES = 4 * 2 ** 20;

const NEWLINE = 0x0a;

/** Where a file's batches went in its first pass: the worker of each batch, in order, and each worker's spill file. */
interface Spilled {
  workerOfBatch: number[];
  spills: string[];
}

export class WorkerFieldSource implements FieldSource {
  private readonly workers: WorkerChannel<BatchRequest, BatchReply>[];
  private turn = 0;
  private readonly spilled = new Map<string, Spilled>();

  constructor(
    context: ReadingContext,
    count: number,
    private readonly here: FieldSource,
    /** The private folder for the spill files (they hold what the resources say: PHI). */
    private readonly spillDir: string,
    private readonly batchBytes = BATCH_BYTES,
  ) {
    this.workers = Array.from({ length: count }, () => new WorkerChannel<BatchRequest, BatchReply>('sources/fhir-r4/extract-worker.ts', { config: context.config, source: context.source }));
  }

  async index(file: DeliveryFile, onRecord: (record: FieldRecord<IndexedFields>) => void): Promise<number> {
    if (formatOf(file.name) !== 'ndjson') return this.here.index(file, onRecord);
    const number = this.spilled.size;
    const spilled: Spilled = { workerOfBatch: [], spills: this.workers.map((_, w) => join(this.spillDir, `${number}-${w}.spill`)) };
    this.spilled.set(file.path, spilled);
    const counter = new BatchCounter();
    // Two batches a worker in flight: one being parsed, one waiting.
    const inFlight: Promise<BatchReply>[] = [];
    const take = (reply: BatchReply) => counter.take(reply, (ordinal, line) => decodeRows(reply.records, 'index', ordinal, line, onRecord));
    let startsFile = true;
    try {
      for await (const bytes of rawBatches(file.path, this.batchBytes)) {
        const w = this.turn++ % this.workers.length;
        spilled.workerOfBatch.push(w);
        const reply = this.workers[w]!.request({ bytes, startsFile, spill: spilled.spills[w]! }, [bytes.buffer as ArrayBuffer]);
        // Handled when its turn comes; a failure meanwhile must not count as unhandled.
        reply.catch(() => {});
        inFlight.push(reply);
        startsFile = false;
        if (inFlight.length >= 2 * this.workers.length) take(await inFlight.shift()!);
      }
      while (inFlight.length > 0) take(await inFlight.shift()!);
    } catch (error) {
      await Promise.allSettled(inFlight);
      throw new Error(`${file.name}: cannot be read (${(error as Error).message})`, { cause: error });
    }
    return counter.rows;
  }

  async emit(file: DeliveryFile, onRecord: (record: FieldRecord) => void, wanted: (ordinal: number) => boolean): Promise<void> {
    const spilled = this.spilled.get(file.path);
    if (spilled === undefined) return this.here.emit(file, onRecord, wanted);
    // A worker that parsed none of the file's batches wrote no spill file.
    const readers = new Map<number, LineReader>();
    const counter = new BatchCounter();
    try {
      for (const w of spilled.workerOfBatch) {
        let reader = readers.get(w);
        if (!reader) readers.set(w, (reader = new LineReader(spilled.spills[w]!)));
        const reply = parseSpillLine(await reader.next());
        counter.take(reply, (ordinal, line) => decodeRows(reply.records, 'all', ordinal, line, onRecord, wanted));
      }
    } finally {
      await Promise.all([...readers.values()].map((r) => r.close()));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    for (const { spills } of this.spilled.values()) for (const spill of spills) rmSync(spill, { force: true });
  }
}

/** The ordinal and line a file's next batch starts from. */
class BatchCounter {
  private lines = 0;
  rows = 0;

  take(reply: Pick<BatchReply, 'lines' | 'rows'>, decode: (ordinal: number, line: number) => void): void {
    decode(this.rows, this.lines);
    this.lines += reply.lines;
    this.rows += reply.rows;
  }
}

function parseSpillLine(line: string): BatchReply {
  const first = line.indexOf('\t');
  const second = line.indexOf('\t', first + 1);
  return { lines: Number(line.slice(0, first)), rows: Number(line.slice(first + 1, second)), records: line.slice(second + 1) };
}

/** The lines of a spill file, one at a time (one a batch; JSON holds no raw line break). */
class LineReader {
  private readonly chunks: AsyncIterator<string>;
  private lines: string[] = [];
  private at = 0;
  private carry = '';

  constructor(path: string) {
    this.chunks = (createReadStream(path, { encoding: 'utf8', highWaterMark: BATCH_BYTES }) as AsyncIterable<string>)[Symbol.asyncIterator]();
  }

  async next(): Promise<string> {
    while (this.at >= this.lines.length) {
      const chunk = await this.chunks.next();
      if (chunk.done) throw new Error('a spill file ended before its batches did');
      const parts = (this.carry + chunk.value).split('\n');
      this.carry = parts.pop()!;
      this.lines = parts;
      this.at = 0;
    }
    return this.lines[this.at++]!;
  }

  async close(): Promise<void> {
    await this.chunks.return?.();
  }
}

/** The file's bytes in batches that end after a line's LF (the last may not), each in a buffer of its own, to hand to another thread. */
async function* rawBatches(path: string, batchBytes: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    let carry = new Uint8Array(0);
    for (;;) {
      const buffer = new Uint8Array(carry.length + batchBytes);
      buffer.set(carry, 0);
      const { bytesRead } = await handle.read(buffer, carry.length, batchBytes, null);
      const filled = carry.length + bytesRead;
      if (bytesRead === 0) {
        if (filled > 0) yield buffer.subarray(0, filled);
        return;
      }
      const cut = buffer.lastIndexOf(NEWLINE, filled - 1);
      if (cut < 0) {
        // A line longer than a batch: read on.
        carry = buffer.slice(0, filled);
        continue;
      }
      carry = buffer.slice(cut + 1, filled);
      yield buffer.subarray(0, cut + 1);
    }
  } finally {
    await handle.close();
  }
}
