// A worker thread of a big FHIR delivery's read (worker-source.ts): each
// request is a batch of whole NDJSON lines. The worker parses it, reads each
// row's fields (extract.ts), appends all of them to its spill file for the
// second pass, and answers with the fields the first pass reads, as compact
// JSON (codec.ts): far cheaper for the reading thread to parse than the
// resources themselves.
import { appendFileSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import type { RefloopConfig, SourceConfig } from '../../config/schema.ts';
import { readingContext } from '../context.ts';
import { answer } from '../parallel.ts';
import { encodeRows } from './codec.ts';
import { Extractor } from './extract.ts';
import type { FieldRecord } from './fields.ts';
import { DEFAULT_MAPS } from './maps.ts';
import { NdjsonRows } from './records.ts';

export interface BatchRequest {
  bytes: Uint8Array;
  /** The batch starts the file (a BOM may open its first line). */
  startsFile: boolean;
  /** The spill file (in the job's private folder) that takes the batch's rows with all their fields, as one line. */
  spill: string;
}

export interface BatchReply {
  /** The rows' indexed fields (codec.ts), lines counted from 1 at the batch's start. */
  records: string;
  /** Physical lines in the batch. */
  lines: number;
  /** Rows (non-blank lines) in the batch. */
  rows: number;
}

export function runInWorker(input: { config: RefloopConfig; source: SourceConfig }, port: MessagePort): undefined {
  const extractor = new Extractor(readingContext(input.config, input.source, { defaultMaps: DEFAULT_MAPS }));
  answer<BatchRequest, BatchReply>(port, (request) => {
    const batch = readBatch(extractor, request);
    appendFileSync(request.spill, spillLine(batch.lines, batch.rows, encodeRows(batch.records, 'all')), { mode: 0o600 });
    return { records: encodeRows(batch.records, 'index'), lines: batch.lines, rows: batch.rows };
  });
  return undefined;
}

/** A spill file's line: a batch's physical lines, rows, and rows' fields (no raw line break in JSON). */
export function spillLine(lines: number, rows: number, records: string): string {
  return `${lines}\t${rows}\t${records}\n`;
}

export function readBatch(extractor: Extractor, request: Pick<BatchRequest, 'bytes' | 'startsFile'>): { records: FieldRecord[]; lines: number; rows: number } {
  const records: FieldRecord[] = [];
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  const rows = new NdjsonRows(
    (raw) => {
      const record: FieldRecord = { ordinal: raw.ordinal, line: raw.line };
      if (raw.problem !== undefined) record.problem = raw.problem;
      if (raw.resource !== undefined) record.fields = extractor.fields(raw.resource, undefined);
      records.push(record);
    },
    undefined,
    request.startsFile,
  );
  rows.takeAll(bytes, 0, bytes.length);
  return { records, lines: rows.line, rows: rows.ordinal };
}
