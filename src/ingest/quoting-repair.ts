// Records DuckDB must not read, handled before it sees the file. DuckDB's
// reader drops everything after a quote left open at the end of a file without
// a word; after text that follows a closing quote its recovery decides record
// boundaries its own way; it loads a record whose extra fields are empty as if
// they were not there; it refuses a whole file for one lone CR; and it rejects
// a record over its line limit by a measure of its own. Each would break the
// count of records read or the rule that a wrong record is quarantined.
//
// So this writes a repaired copy for DuckDB to read, and quarantines the rest:
// - a record the scan lists (record-scanner.ts: broken quoting, too long,
//   extra empty fields, a stray CR) is quarantined whole, at its first line;
// - a quote still open at the end of the file: per extracts.md, every physical
//   line from the one where it opened counts as read, and each is loaded if it
//   parses on its own (as a record under the file's header), else quarantined.
// The copy holds what the inbox file holds, so it is private to this user,
// lies in the work folder, and is deleted after the load. It is written as the
// file is read, so a large file never has to fit in memory.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { QuarantineRow } from './quarantine.ts';
import { readerReason } from './quarantine.ts';
import { MAX_RECORD_BYTES, openExtract, type RecordProblem, RecordScanner, scanFile, type ScanOptions, type ScanResult } from './record-scanner.ts';

const LF = 0x0a;
const CR = 0x0d;

export const BROKEN_QUOTING = 'has broken quoting (text after the closing quote of a field)';
export const OPEN_QUOTE = 'has a quote that is never closed (the file ends inside a quoted field)';

/** How the ingest scans a file: a lone CR in a file of LF or CRLF lines sets its record aside. */
export const INGEST_SCAN: ScanOptions = { strayCR: true };

/** Why a record the scan set aside is quarantined, in words (never its bytes). */
export function setAsideReason(problem: RecordProblem, fieldCount: number): string {
  switch (problem) {
    case 'too_long':
      return `is longer than ${MAX_RECORD_BYTES.toLocaleString('en-US')} bytes, the most one record may hold`;
    case 'extra_empty_fields':
      // The same words as a record with non-empty extra fields, which DuckDB's reader rejects itself.
      return readerReason('TOO MANY COLUMNS', fieldCount);
    case 'stray_cr':
      return 'has a lone carriage return (CR) in an unquoted value (a line break inside a value must be quoted)';
  }
}

/** Why the header row itself cannot be read, when the scan says so: the file is then refused. */
export function headerProblem(scan: ScanResult): string | undefined {
  if (scan.malformed.some((m) => m.record === 0)) return BROKEN_QUOTING;
  const setAside = scan.setAside.find((s) => s.record === 0);
  return setAside ? setAsideReason(setAside.problem, scan.headerFields) : undefined;
}

export interface RepairedExtract {
  /** The file DuckDB reads. */
  path: string;
  /** Line maps of the repaired copy, pointing at the original file's physical lines. */
  scan: ScanResult;
  /** Records quarantined here, by their original physical line. */
  quarantined: QuarantineRow[];
  cleanup: () => Promise<void>;
}

export const needsRepair = (scan: ScanResult) => scan.malformed.length > 0 || scan.setAside.length > 0 || scan.openQuote !== undefined;

export interface RepairOptions {
  /** The file's field delimiter. */
  delimiter: string;
  /** The header's field names (header.ts), for the column of a stray CR and the field count. */
  fieldNames: readonly string[];
}

interface Cut {
  record: number;
  start: number;
  end: number;
  row: QuarantineRow;
}

/**
 * @param workDir the private folder beside the warehouse where copies of raw rows may lie (work-dir.ts).
 * @param original the scan of `path` (with INGEST_SCAN); its header must be readable (see headerProblem).
 */
export async function repairRecords(path: string, original: ScanResult, workDir: string, options: RepairOptions): Promise<RepairedExtract> {
  const lineOf = (record: number) => original.physicalLines[record]!;
  const fieldCount = options.fieldNames.length;
  const cuts: Cut[] = [
    ...original.malformed.map((m) => ({ ...m, row: { line: lineOf(m.record), column: null, value: null, reason: BROKEN_QUOTING } })),
    ...original.setAside.map((s) => ({
      ...s,
      row: {
        line: lineOf(s.record),
        column: s.field === undefined ? null : options.fieldNames[s.field] || null, // an unnamed column has no name to give
        value: null,
        reason: setAsideReason(s.problem, fieldCount),
      },
    })),
  ].sort((a, b) => a.start - b.start);
  const cutRecords = new Set(cuts.map((c) => c.record));
  const keptLines: number[] = [];
  for (let record = 1; record <= original.records; record++) if (!cutRecords.has(record)) keptLines.push(lineOf(record));

  const dir = await mkdtemp(join(workDir, 'repair-'));
  try {
    const repairedPath = join(dir, 'repaired.csv');
    const copier = new RepairCopier(original, cuts, options.delimiter, fieldCount);
    const out = createWriteStream(repairedPath, { mode: 0o600 });
    const write = async (parts: Buffer[]) => {
      for (const part of parts) if (!out.write(part)) await once(out, 'drain');
    };
    for await (const chunk of openExtract(path)) await write(copier.push(chunk as Buffer));
    await write(copier.finish());
    out.end();
    await finished(out);

    const quarantined = [...cuts.map((c) => c.row), ...copier.tailQuarantined].sort((a, b) => a.line - b.line);
    keptLines.push(...copier.tailKeptLines);
    const repaired = await scanFile(repairedPath, undefined, options.delimiter, INGEST_SCAN);
    if (repaired.records !== keptLines.length || needsRepair(repaired)) {
      throw new Error(`repairing its records kept ${repaired.records} records where ${keptLines.length} were expected`);
    }
    const physicalLines = repaired.physicalLines.slice();
    keptLines.forEach((line, i) => (physicalLines[i + 1] = line));
    return {
      path: repairedPath,
      scan: { ...repaired, sha256: original.sha256, bytes: original.bytes, physicalLines },
      quarantined,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Copies the file's bytes less the cut records, then, from the record where a
 * quote stays open, each physical line that reads on its own.
 */
class RepairCopier {
  private offset = 0;
  private nextCut = 0;
  private readonly tailStart: number;
  private readonly lineEnd: Buffer;
  /** The copy is empty or ends with a line end. */
  private atLineStart = true;
  // The line after an open quote being collected.
  private tailLine: Buffer[] = [];
  private tailLineBytes = 0;
  private tailLineNumber: number;
  private tailAfterCR = false;
  readonly tailQuarantined: QuarantineRow[] = [];
  readonly tailKeptLines: number[] = [];

  constructor(
    private readonly original: ScanResult,
    private readonly cuts: readonly Cut[],
    private readonly delimiter: string,
    private readonly fieldCount: number,
  ) {
    this.tailStart = original.openQuote?.byteOffset ?? Number.POSITIVE_INFINITY;
    this.tailLineNumber = original.openQuote?.line ?? 0;
    // The file's own line end, so the copy does not mix styles (which DuckDB cannot read).
    this.lineEnd = Buffer.from(original.lineEnd === 'CRLF' ? '\r\n' : original.lineEnd === 'CR' ? '\r' : '\n');
  }

  push(chunk: Buffer): Buffer[] {
    const parts: Buffer[] = [];
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      const at = this.offset + pos;
      if (at >= this.tailStart) {
        this.tail(chunk.subarray(pos), parts);
        break;
      }
      const cut = this.cuts[this.nextCut];
      if (cut && at >= cut.start) {
        if (at < cut.end) pos = Math.min(n, cut.end - this.offset);
        if (this.offset + pos >= cut.end) this.nextCut++;
        continue;
      }
      const stop = Math.min(n, (cut?.start ?? Number.POSITIVE_INFINITY) - this.offset, this.tailStart - this.offset);
      const kept = chunk.subarray(pos, stop);
      parts.push(kept);
      const last = kept[kept.length - 1];
      this.atLineStart = last === LF || last === CR;
      pos = stop;
    }
    this.offset += n;
    return parts;
  }

  finish(): Buffer[] {
    const parts: Buffer[] = [];
    if (this.offset > this.tailStart && this.tailLineBytes > 0) this.endTailLine(parts);
    return parts;
  }

  /** Splits the bytes after an open quote into physical lines (LF, CRLF or a lone CR). */
  private tail(bytes: Buffer, parts: Buffer[]) {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== LF && b !== CR) continue;
      if (b === LF && this.tailAfterCR && i === start && this.tailLineBytes === 0) {
        this.tailAfterCR = false; // the LF of a CRLF whose CR ended the line
        start = i + 1;
        continue;
      }
      this.collect(bytes.subarray(start, i));
      this.endTailLine(parts);
      this.tailAfterCR = b === CR;
      start = i + 1;
    }
    if (start < bytes.length) {
      this.tailAfterCR = false;
      this.collect(bytes.subarray(start));
    }
  }

  /** Keeps a tail line's bytes, up to one more than a record may hold (its reason needs no more). */
  private collect(bytes: Buffer) {
    this.tailLineBytes += bytes.length;
    if (this.tailLineBytes <= MAX_RECORD_BYTES + 1) this.tailLine.push(Buffer.from(bytes));
    else this.tailLine = [];
  }

  private endTailLine(parts: Buffer[]) {
    const line = this.tailLineNumber++;
    const length = this.tailLineBytes;
    const bytes = Buffer.concat(this.tailLine);
    this.tailLine = [];
    this.tailLineBytes = 0;
    if (length === 0) return; // a blank line is not a record
    const reason = length > MAX_RECORD_BYTES ? setAsideReason('too_long', this.fieldCount) : this.lineProblem(bytes);
    if (reason) {
      this.tailQuarantined.push({ line, column: null, value: null, reason });
      return;
    }
    if (!this.atLineStart) parts.push(this.lineEnd);
    parts.push(bytes, this.lineEnd);
    this.atLineStart = true;
    this.tailKeptLines.push(line);
  }

  /** Why one line after an open quote cannot be a record on its own, if it cannot: it is read under the file's header. */
  private lineProblem(line: Buffer): string | undefined {
    const alone = new RecordScanner(this.delimiter.charCodeAt(0), INGEST_SCAN);
    alone.push(Buffer.concat([this.original.header, Buffer.from('\n'), line]));
    const scan = alone.finish();
    if (scan.openQuote) return OPEN_QUOTE;
    if (scan.malformed.length > 0) return BROKEN_QUOTING;
    const setAside = scan.setAside[0];
    return setAside ? setAsideReason(setAside.problem, this.fieldCount) : undefined;
  }
}
