// Reading one Epic table file: tab-separated, header row, UTF-8 (a BOM
// allowed) or Windows-1252, streamed line by line so a table of millions of
// rows never sits in memory. Fields are unquoted; a field wrapped in double
// quotes is unwrapped (a doubled quote inside is one quote, a tab inside is
// data). LF and CRLF end lines; a line with nothing on it is not a record.
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { AdapterOutput, DeliveryFile } from '../adapter.ts';

export type Encoding = 'utf-8' | 'windows-1252';

const CHUNK_BYTES = 1 << 20;

/** UTF-8 when every byte sequence of the file is valid UTF-8, else Windows-1252. */
export async function detectEncoding(path: string): Promise<Encoding> {
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
    const cut = incompleteTail(bytes);
    if (!isUtf8(bytes.subarray(0, cut))) return 'windows-1252';
    carry = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : undefined;
  }
  return !carry || isUtf8(carry) ? 'utf-8' : 'windows-1252';
}

/** Where a multi-byte sequence that may continue in the next chunk starts (the length when none does). */
function incompleteTail(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const b = bytes[i]!;
    if (b < 0x80) return bytes.length;
    if (b >= 0xc0) return i;
  }
  return bytes.length;
}

/** A table's header: column names upper-cased and trimmed, and each column's position. */
export class Header {
  private readonly positions = new Map<string, number>();
  constructor(readonly columns: readonly string[]) {
    columns.forEach((name, i) => {
      if (!this.positions.has(name)) this.positions.set(name, i);
    });
  }
  /** The column's position, or -1 when the table does not have it. */
  index(name: string): number {
    return this.positions.get(name) ?? -1;
  }
  has(name: string): boolean {
    return this.positions.has(name);
  }
}

/**
 * One data row of a table, its fields cut from the line only when asked
 * for: an Epic table may have hundreds of columns, of which a few are read.
 * One Row is reused for every line of a file; keep values, never the Row.
 */
export class Row {
  private line = '';
  /** End offset of each field in the line (a field starts one past the previous one's end). */
  private ends = new Int32Array(64);
  /** The fields of a line with quotes in it, unwrapped. */
  private quoted: string[] | undefined;
  count = 0;

  /** Takes a line; returns its number of fields. */
  set(line: string): number {
    this.line = line;
    if (line.indexOf('"') !== -1) {
      this.quoted = splitQuoted(line);
      this.count = this.quoted.length;
      return this.count;
    }
    this.quoted = undefined;
    let n = 0;
    let pos = 0;
    for (;;) {
      const tab = line.indexOf('\t', pos);
      if (n === this.ends.length) {
        const bigger = new Int32Array(this.ends.length * 2);
        bigger.set(this.ends);
        this.ends = bigger;
      }
      this.ends[n++] = tab === -1 ? line.length : tab;
      if (tab === -1) break;
      pos = tab + 1;
    }
    this.count = n;
    return n;
  }

  /** The field as written (quotes unwrapped); '' past the last field or for index -1. */
  raw(index: number): string {
    if (index < 0 || index >= this.count) return '';
    if (this.quoted) return this.quoted[index]!;
    const start = index === 0 ? 0 : this.ends[index - 1]! + 1;
    return this.line.slice(start, this.ends[index]);
  }
}

/** A field's value, trimmed; null when empty or when the column is absent (index -1). */
export function value(row: Row, index: number): string | null {
  const raw = row.raw(index);
  if (raw === '') return null;
  const trimmed = raw.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * A copy of a string that no longer holds on to the chunk of the file it was
 * cut from: V8 keeps a slice's parent alive, so a lookup map of slices would
 * keep the whole table in memory. Short strings are copies already.
 */
export function own(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

export function splitFields(line: string): string[] {
  return line.indexOf('"') === -1 ? line.split('\t') : splitQuoted(line);
}

/** Fields of a line holding a quote: a field that starts with one is quoted up to its closing quote. */
function splitQuoted(line: string): string[] {
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    if (line.charCodeAt(pos) === QUOTE) {
      const closed = readQuoted(line, pos);
      if (closed) {
        fields.push(closed.value);
        if (closed.end === line.length) return fields;
        pos = closed.end + 1;
        continue;
      }
    }
    const tab = line.indexOf('\t', pos);
    if (tab === -1) {
      fields.push(line.slice(pos));
      return fields;
    }
    fields.push(line.slice(pos, tab));
    pos = tab + 1;
  }
}

/** A quoted field from its opening quote: its value and the position after it, when a tab or the line end follows the closing quote. */
function readQuoted(line: string, open: number): { value: string; end: number } | undefined {
  let pos = open + 1;
  let doubled = false;
  for (;;) {
    const close = line.indexOf('"', pos);
    if (close === -1) return undefined;
    if (line.charCodeAt(close + 1) === QUOTE) {
      doubled = true;
      pos = close + 2;
      continue;
    }
    if (close + 1 !== line.length && line.charCodeAt(close + 1) !== TAB) return undefined;
    const inner = line.slice(open + 1, close);
    return { value: doubled ? inner.replaceAll('""', '"') : inner, end: close + 1 };
  }
}

const QUOTE = 0x22;
const TAB = 0x09;
const CR = 0x0d;

/** Calls `onLine` with each non-blank line (line end removed) and its physical line number (the first line is 1). */
export async function forEachLine(
  path: string,
  encoding: Encoding,
  onLine: (line: string, lineNumber: number) => void,
  onBytes?: (bytesRead: number) => void,
): Promise<void> {
  const decoder = new TextDecoder(encoding);
  let carry = '';
  let lineNumber = 0;
  let bytesRead = 0;
  const emit = (line: string) => {
    lineNumber++;
    if (line.length > 0) onLine(line, lineNumber);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    const text = carry + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', start)) {
      emit(text.slice(start, lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf));
      start = lf + 1;
    }
    carry = text.slice(start);
    bytesRead += chunk.length;
    onBytes?.(bytesRead);
  }
  const last = carry + decoder.decode();
  if (last.length > 0) emit(last.charCodeAt(last.length - 1) === CR ? last.slice(0, -1) : last);
}

export interface TableRead {
  /** Data rows (the header and blank lines excluded). */
  rows: number;
  /** Rows quarantined for a field count different from the header's. */
  quarantined: number;
}

/**
 * Reads one table file: the header, then every data row as its fields and
 * physical line. A row whose field count differs from the header's is
 * quarantined in `output` and not handed on; progress is reported there.
 */
export async function readTable(
  file: DeliveryFile,
  encoding: Encoding,
  onHeader: (header: Header) => (fields: Row, line: number) => void,
  output: AdapterOutput,
): Promise<TableRead> {
  let onRow: ((fields: Row, line: number) => void) | undefined;
  const row = new Row();
  let width = 0;
  let rows = 0;
  let quarantined = 0;
  const stage = `reading ${file.name}`;
  let lastReport = 0;
  try {
    await forEachLine(
      file.path,
      encoding,
      (line, lineNumber) => {
        if (!onRow) {
          const names = splitFields(line).map((f) => f.trim().toUpperCase());
          width = names.length;
          onRow = onHeader(new Header(names));
          return;
        }
        rows++;
        const count = row.set(line);
        if (count !== width) {
          quarantined++;
          output.quarantine({ file: file.name, line: lineNumber }, `has ${count} fields where the header has ${width}`);
          return;
        }
        onRow(row, lineNumber);
      },
      (bytesRead) => {
        if (file.sizeBytes <= 0 || bytesRead - lastReport < 16 * CHUNK_BYTES) return;
        lastReport = bytesRead;
        output.progress(stage, Math.min(1, bytesRead / file.sizeBytes));
      },
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new Error(`${file.name}: cannot be read (${(error as Error).message})`, { cause: error });
    throw error;
  }
  return { rows, quarantined };
}
