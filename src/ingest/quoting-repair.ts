// Broken quoting, handled before DuckDB sees the file. DuckDB's reader drops
// everything after a quote left open at the end of a file without a word, and
// after text that follows a closing quote its recovery decides record
// boundaries its own way; either would break the count of records read.
//
// So this writes a repaired copy for DuckDB to read, and quarantines the rest:
// - a record with text after a closing quote is quarantined whole (it runs
//   from its start to the line end after the error);
// - a quote still open at the end of the file: per extracts.md, every physical
//   line from the one where it opened counts as read, and each is loaded if it
//   parses on its own, else quarantined.
// The copy holds what the inbox file holds, so it is private to this user and
// deleted after the load.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QuarantineRow } from './quarantine.ts';
import { openExtract, RecordScanner, scanFile, type ScanResult } from './record-scanner.ts';

const BROKEN_QUOTING = 'has broken quoting (text after the closing quote of a field)';
const OPEN_QUOTE = 'has a quote that is never closed (the file ends inside a quoted field)';

export interface RepairedExtract {
  /** The file DuckDB reads. */
  path: string;
  /** Line maps of the repaired copy, pointing at the original file's physical lines. */
  scan: ScanResult;
  /** Records quarantined here, by their original physical line. */
  quarantined: QuarantineRow[];
  cleanup: () => Promise<void>;
}

export const needsQuotingRepair = (scan: ScanResult) => scan.malformed.length > 0 || scan.openQuote !== undefined;

/**
 * @param workDir the private folder beside the warehouse where copies of raw rows may lie (work-dir.ts).
 * @param delimiter the file's field delimiter.
 */
export async function repairQuoting(path: string, original: ScanResult, workDir: string, delimiter = ','): Promise<RepairedExtract> {
  const bytes = await readAll(path);
  const quarantined: QuarantineRow[] = [];
  const keptLines: number[] = [];
  const parts: Buffer[] = [];

  // The records before any open quote, less the malformed ones.
  const prefixEnd = original.openQuote?.byteOffset ?? bytes.length;
  const malformedByRecord = new Map(original.malformed.map((m) => [m.record, m]));
  let copyFrom = 0;
  for (const m of original.malformed) {
    parts.push(bytes.subarray(copyFrom, m.start));
    copyFrom = afterLineEnd(bytes, m.errorAt);
    quarantined.push({ line: original.physicalLines[m.record]!, column: null, value: null, reason: BROKEN_QUOTING });
  }
  parts.push(bytes.subarray(copyFrom, prefixEnd));
  for (let record = 1; record <= original.records; record++) {
    if (!malformedByRecord.has(record)) keptLines.push(original.physicalLines[record]!);
  }

  // After an open quote: each physical line on its own.
  if (original.openQuote) {
    const lineEnd = detectLineEnd(bytes);
    const prefix = Buffer.concat(parts);
    if (prefix.length > 0 && !/[\r\n]$/.test(prefix.subarray(-1).toString('latin1'))) parts.push(lineEnd);
    splitLines(bytes.subarray(prefixEnd)).forEach((line, i) => {
      if (line.length === 0) return; // a blank line is not a record
      const physicalLine = original.openQuote!.line + i;
      const alone = new RecordScanner(delimiter.charCodeAt(0));
      alone.push(line);
      const scan = alone.finish();
      if (scan.openQuote || scan.malformed.length > 0) {
        quarantined.push({ line: physicalLine, column: null, value: null, reason: scan.openQuote ? OPEN_QUOTE : BROKEN_QUOTING });
      } else {
        parts.push(line, lineEnd);
        keptLines.push(physicalLine);
      }
    });
  }

  const dir = await mkdtemp(join(workDir, 'repair-'));
  const repairedPath = join(dir, 'repaired.csv');
  await writeFile(repairedPath, Buffer.concat(parts), { mode: 0o600 });
  const repaired = await scanFile(repairedPath, undefined, delimiter);
  if (repaired.records !== keptLines.length || needsQuotingRepair(repaired)) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`repairing the quoting kept ${repaired.records} records where ${keptLines.length} were expected`);
  }
  const physicalLines = repaired.physicalLines.slice();
  keptLines.forEach((line, i) => (physicalLines[i + 1] = line));
  quarantined.sort((a, b) => a.line - b.line);
  return {
    path: repairedPath,
    scan: { ...repaired, sha256: original.sha256, bytes: original.bytes, physicalLines },
    quarantined,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function readAll(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of openExtract(path)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** The offset just past the first line end at or after `from` (CRLF counts as one). */
function afterLineEnd(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) return i + 1;
    if (bytes[i] === 0x0d) return bytes[i + 1] === 0x0a ? i + 2 : i + 1;
  }
  return bytes.length;
}

/** The file's own line end, so the copy does not mix styles (which DuckDB cannot read). */
function detectLineEnd(bytes: Buffer): Buffer {
  const cr = bytes.indexOf(0x0d);
  const lf = bytes.indexOf(0x0a);
  if (cr !== -1 && (lf === -1 || cr < lf)) return Buffer.from(bytes[cr + 1] === 0x0a ? '\r\n' : '\r');
  return Buffer.from('\n');
}

/** Physical lines, split on LF, CRLF or a lone CR, line ends removed. */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x0a && b !== 0x0d) continue;
    lines.push(bytes.subarray(start, i));
    if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
    start = i + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}
