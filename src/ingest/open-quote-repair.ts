// A quote still open at the end of a file would swallow every line after it
// into one field, and DuckDB's reader then drops them without a word.
// extracts.md's rule: every physical line from the one where the quote opened
// counts as read, and each is loaded if it parses on its own, else quarantined.
//
// This writes a repaired copy for DuckDB to read: the records before the open
// quote, then each later line that parses on its own. The copy holds what the
// inbox file holds, so it is private to this user and deleted after the load.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openExtract, RecordScanner, scanFile, type ScanResult } from './record-scanner.ts';

export interface RepairedExtract {
  /** The file DuckDB reads. */
  path: string;
  /** Line maps of the repaired copy, pointing at the original file's physical lines. */
  scan: ScanResult;
  /** Original physical lines that do not parse on their own (each a quarantined record). */
  brokenLines: number[];
  cleanup: () => Promise<void>;
}

export async function repairOpenQuote(path: string, original: ScanResult): Promise<RepairedExtract> {
  const open = original.openQuote;
  if (!open) throw new Error('repairOpenQuote needs a scan with an open quote');
  const bytes = await readAll(path);
  const prefix = bytes.subarray(0, open.byteOffset);
  const goodLines: Buffer[] = [];
  const goodLineNumbers: number[] = [];
  const brokenLines: number[] = [];
  splitLines(bytes.subarray(open.byteOffset)).forEach((line, i) => {
    if (line.length === 0) return; // a blank line is not a record
    const alone = new RecordScanner();
    alone.push(line);
    if (alone.finish().openQuote) brokenLines.push(open.line + i);
    else {
      goodLines.push(line);
      goodLineNumbers.push(open.line + i);
    }
  });

  const dir = await mkdtemp(join(tmpdir(), 'refloop-repair-'));
  const repairedPath = join(dir, 'repaired.csv');
  const separator = prefix.length > 0 && !/[\r\n]$/.test(prefix.subarray(-1).toString('latin1')) ? '\n' : '';
  await writeFile(repairedPath, Buffer.concat([prefix, Buffer.from(separator), ...goodLines.flatMap((l) => [l, Buffer.from('\n')])]), { mode: 0o600 });

  const repaired = await scanFile(repairedPath);
  const physicalLines = repaired.physicalLines.slice();
  const firstTailRecord = physicalLines.length - goodLines.length;
  goodLineNumbers.forEach((line, i) => (physicalLines[firstTailRecord + i] = line));
  return {
    path: repairedPath,
    scan: { ...repaired, sha256: original.sha256, bytes: original.bytes, physicalLines },
    brokenLines,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function readAll(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of openExtract(path)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
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
