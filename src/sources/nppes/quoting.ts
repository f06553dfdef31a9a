// Broken quoting in an NPPES file, repaired in one streaming pass so a 9 GB
// file never has to fit in memory. It follows the rules the canonical ingest
// applies (extracts.md, src/ingest/quoting-repair.ts), which reads the whole
// file at once:
// - a record with text after the closing quote of a field is quarantined
//   whole (from its start to the line end after the error);
// - a quote still open at the end of the file (an interrupted download cuts
//   the last record): every physical line from the one where it opened counts
//   as read, and each is kept if it reads on its own, else quarantined.
// DuckDB reads the repaired copy; the copy's line maps point back at the
// original's physical lines. The copy lives in a private temporary folder and
// is deleted after the read.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { RecordScanner, scanFile, type ScanResult } from '../../ingest/record-scanner.ts';

const LF = 0x0a;
const CR = 0x0d;

export const BROKEN_QUOTING = 'has broken quoting (text after the closing quote of a field)';
export const OPEN_QUOTE = 'has a quote that is never closed (the file ends inside a quoted field)';
export const LINE_TOO_LONG = 'is longer than the CSV reader can read (after a quote that is never closed)';

/** A line after an open quote longer than this cannot be a record DuckDB reads (its limit is 2 MB). */
const MAX_TAIL_LINE = 8 << 20;

export const needsRepair = (scan: ScanResult) => scan.malformed.length > 0 || scan.openQuote !== undefined;

export interface RepairedFile {
  /** The copy DuckDB reads. */
  path: string;
  /** Line maps of the copy, pointing at the original file's physical lines. */
  lines: ScanResult;
  /** Records quarantined here, by their physical line in the original. */
  quarantined: { line: number; reason: string }[];
  cleanup: () => Promise<void>;
}

export async function repairQuoting(path: string, original: ScanResult): Promise<RepairedFile> {
  if (original.physicalLines.length === 0 || original.malformed.some((m) => m.record === 0)) {
    throw new Error('its header row has broken quoting');
  }
  const dir = await mkdtemp(join(tmpdir(), 'refloop-nppes-'));
  const copyPath = join(dir, 'repaired.csv');
  try {
    const quarantined: RepairedFile['quarantined'] = original.malformed.map((m) => ({ line: original.physicalLines[m.record]!, reason: BROKEN_QUOTING }));
    const cut = new RepairCopier(original);
    const out = createWriteStream(copyPath, { mode: 0o600 });
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      for (const part of cut.push(chunk as Buffer)) {
        if (!out.write(part)) await once(out, 'drain');
      }
    }
    for (const part of cut.finish()) out.write(part);
    out.end();
    await finished(out);
    quarantined.push(...cut.tailQuarantined);
    quarantined.sort((a, b) => a.line - b.line);

    const keptLines: number[] = [];
    const malformed = new Set(original.malformed.map((m) => m.record));
    for (let record = 1; record <= original.records; record++) if (!malformed.has(record)) keptLines.push(original.physicalLines[record]!);
    keptLines.push(...cut.tailKeptLines);

    const copy = await scanFile(copyPath);
    if (copy.records !== keptLines.length || needsRepair(copy)) {
      throw new Error(`repairing its quoting kept ${copy.records} records where ${keptLines.length} were expected`);
    }
    const physicalLines = copy.physicalLines.slice();
    keptLines.forEach((line, i) => (physicalLines[i + 1] = line));
    return {
      path: copyPath,
      lines: { ...copy, sha256: original.sha256, bytes: original.bytes, physicalLines },
      quarantined,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Copies the file's bytes less the malformed records, then, from the record
 * where a quote stays open, each physical line that reads on its own.
 */
class RepairCopier {
  private offset = 0;
  private mode: 'copy' | 'skip' | 'tail' = 'copy';
  private nextCut = 0;
  private skipFrom = 0;
  /** A skipped record ended on CR: an LF right after it belongs to the same line end. */
  private skipLfAfterCr = false;
  private readonly tailStart: number;
  private lineEnd: Buffer | undefined;
  // The line after an open quote being collected.
  private tailLine: Buffer[] = [];
  private tailLineBytes = 0;
  private tailLineNumber: number;
  private tailCrPending = false;
  readonly tailQuarantined: { line: number; reason: string }[] = [];
  readonly tailKeptLines: number[] = [];

  constructor(private readonly original: ScanResult) {
    this.tailStart = original.openQuote?.byteOffset ?? Number.POSITIVE_INFINITY;
    this.tailLineNumber = original.openQuote?.line ?? 0;
  }

  push(chunk: Buffer): Buffer[] {
    this.lineEnd ??= detectLineEnd(chunk);
    const parts: Buffer[] = [];
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.mode === 'copy') {
        if (this.skipLfAfterCr) {
          this.skipLfAfterCr = false;
          if (chunk[pos] === LF) {
            pos++;
            continue;
          }
        }
        const cut = this.original.malformed[this.nextCut];
        const next = Math.min(cut?.start ?? Number.POSITIVE_INFINITY, this.tailStart);
        const end = Math.min(n, next - this.offset);
        if (end > pos) {
          parts.push(chunk.subarray(pos, end));
          pos = end;
          continue;
        }
        if (this.offset + pos === this.tailStart) this.mode = 'tail';
        else {
          this.mode = 'skip';
          this.skipFrom = cut!.errorAt;
          this.nextCut++;
        }
      } else if (this.mode === 'skip') {
        let i = Math.max(pos, this.skipFrom - this.offset);
        while (i < n && chunk[i] !== LF && chunk[i] !== CR) i++;
        if (i === n) {
          pos = n;
          continue;
        }
        this.skipLfAfterCr = chunk[i] === CR;
        this.mode = 'copy';
        pos = i + 1;
      } else {
        parts.push(...this.tail(chunk.subarray(pos)));
        pos = n;
      }
    }
    this.offset += n;
    return parts;
  }

  finish(): Buffer[] {
    return this.mode === 'tail' && this.tailLineBytes > 0 ? this.endTailLine() : [];
  }

  /** Splits the bytes after an open quote into physical lines (LF, CRLF or a lone CR). */
  private tail(bytes: Buffer): Buffer[] {
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b !== LF && b !== CR) continue;
      if (b === LF && this.tailCrPending && i === start && this.tailLineBytes === 0) {
        this.tailCrPending = false; // the LF of a CRLF whose CR ended the line
        start = i + 1;
        continue;
      }
      this.collect(bytes.subarray(start, i));
      parts.push(...this.endTailLine());
      this.tailCrPending = b === CR;
      start = i + 1;
    }
    if (start < bytes.length) {
      this.tailCrPending = false;
      this.collect(bytes.subarray(start));
    }
    return parts;
  }

  private collect(bytes: Buffer) {
    this.tailLineBytes += bytes.length;
    if (this.tailLineBytes <= MAX_TAIL_LINE) this.tailLine.push(Buffer.from(bytes));
    else this.tailLine = [];
  }

  private endTailLine(): Buffer[] {
    const line = this.tailLineNumber++;
    const length = this.tailLineBytes;
    const bytes = Buffer.concat(this.tailLine);
    this.tailLine = [];
    this.tailLineBytes = 0;
    if (length === 0) return []; // a blank line is not a record
    if (length > MAX_TAIL_LINE) {
      this.tailQuarantined.push({ line, reason: LINE_TOO_LONG });
      return [];
    }
    const alone = new RecordScanner();
    alone.push(bytes);
    const scan = alone.finish();
    if (scan.openQuote || scan.malformed.length > 0) {
      this.tailQuarantined.push({ line, reason: scan.openQuote ? OPEN_QUOTE : BROKEN_QUOTING });
      return [];
    }
    this.tailKeptLines.push(line);
    return [bytes, this.lineEnd!];
  }
}

/** The file's own line end, so the copy does not mix styles (which DuckDB cannot read). */
function detectLineEnd(bytes: Buffer): Buffer {
  const cr = bytes.indexOf(CR);
  const lf = bytes.indexOf(LF);
  if (cr !== -1 && (lf === -1 || cr < lf)) return Buffer.from(bytes[cr + 1] === LF ? '\r\n' : '\r');
  return Buffer.from('\n');
}
