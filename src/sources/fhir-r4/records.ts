// The raw rows of a delivery file: one FHIR resource each. An NDJSON file
// (bulk `$export`) holds one resource a line and is read streaming, line by
// line; a `.json` file holds one resource, or a Bundle whose entries are the
// rows. Blank NDJSON lines are not rows. A row that is not JSON, or not an
// object with a `resourceType`, is handed on with the problem (never its text:
// it may hold PHI).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { DeliveryFile } from '../adapter.ts';
import { element, isElement, text, type Resource } from './elements.ts';

export interface RawRecord {
  /** 0-based position of the row in its file (its NDJSON line among non-blank lines, or its Bundle entry). */
  ordinal: number;
  /** The physical line where the resource starts. */
  line: number;
  resource?: Resource;
  /** The Bundle entry's fullUrl. */
  fullUrl?: string;
  /** Why the row cannot be read at all (quarantined). */
  problem?: string;
  /** A Bundle entry without a resource (a history entry of a deletion, a response): nothing to read. */
  empty?: boolean;
}

export type FileFormat = 'ndjson' | 'json';

export function formatOf(name: string): FileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.ndjson')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/**
 * Calls `onRecord` for every row of the file, in order, and returns how many
 * rows it holds. Rows for which `wanted(ordinal)` is false are counted but
 * not parsed (the second pass reads only what it emits from).
 */
export async function readRecords(file: DeliveryFile, onRecord: (record: RawRecord) => void, wanted?: (ordinal: number) => boolean): Promise<number> {
  return formatOf(file.name) === 'ndjson' ? readNdjson(file.path, onRecord, wanted) : readJsonFile(file.path, onRecord, wanted);
}

const NEWLINE = 0x0a;

/**
 * NDJSON lines into rows: counts physical lines and rows, passes over blank
 * lines (and a BOM on a file's first line), and parses the rest.
 */
export class NdjsonRows {
  /** Physical lines taken. */
  line = 0;
  /** Rows (non-blank lines) taken. */
  ordinal = 0;

  /** @param startsFile the first line taken is the file's first (where a BOM may be) */
  constructor(
    private readonly onRecord: (record: RawRecord) => void,
    private readonly wanted?: (ordinal: number) => boolean,
    private readonly startsFile = true,
  ) {}

  /** One line: bytes [start, end), its LF left out. */
  take(bytes: Buffer, start: number, end: number): void {
    this.line += 1;
    if (end > start && bytes[end - 1] === 0x0d) end -= 1;
    if (this.startsFile && this.line === 1 && end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3;
    if (isBlank(bytes, start, end)) return;
    const at = this.ordinal++;
    if (this.wanted && !this.wanted(at)) return;
    this.onRecord(parseRecord(bytes.toString('utf8', start, end), at, this.line));
  }

  /** Every line of bytes [start, end): each ends with an LF, but the last may not. */
  takeAll(bytes: Buffer, start: number, end: number): void {
    let from = start;
    for (let newline = bytes.indexOf(NEWLINE, from); newline >= 0 && newline < end; newline = bytes.indexOf(NEWLINE, from)) {
      this.take(bytes, from, newline);
      from = newline + 1;
    }
    if (from < end) this.take(bytes, from, end);
  }
}

async function readNdjson(path: string, onRecord: (record: RawRecord) => void, wanted?: (ordinal: number) => boolean): Promise<number> {
  const rows = new NdjsonRows(onRecord, wanted);
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (carry !== undefined && newline >= 0) {
      const joined = Buffer.concat([carry, chunk.subarray(0, newline)]);
      carry = undefined;
      rows.take(joined, 0, joined.length);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (carry !== undefined) {
      carry = Buffer.concat([carry, chunk]);
      continue;
    }
    while (newline >= 0) {
      rows.take(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
  }
  if (carry !== undefined) rows.take(carry, 0, carry.length);
  return rows.ordinal;
}

function isBlank(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

function parseRecord(json: string, ordinal: number, line: number): RawRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { ordinal, line, problem: notJson(error) };
  }
  return isResource(value) ? { ordinal, line, resource: value } : { ordinal, line, problem: NOT_A_RESOURCE };
}

const NOT_A_RESOURCE = 'not a FHIR resource: no resourceType';

function isResource(value: unknown): value is Resource {
  return isElement(value) && typeof value.resourceType === 'string' && value.resourceType.trim() !== '';
}

/** "not JSON", with the character where parsing failed (never the text around it, which JSON.parse's message quotes). */
function notJson(error: unknown): string {
  const at = /position (\d+)/.exec(String((error as Error)?.message ?? ''));
  return at ? `not JSON (at character ${Number(at[1]) + 1})` : 'not JSON';
}

async function readJsonFile(path: string, onRecord: (record: RawRecord) => void, wanted?: (ordinal: number) => boolean): Promise<number> {
  let source = await readFile(path, 'utf8');
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    if (!wanted || wanted(0)) onRecord({ ordinal: 0, line: 1, problem: notJson(error) });
    return 1;
  }
  if (!isResource(value)) {
    if (!wanted || wanted(0)) onRecord({ ordinal: 0, line: firstLineOf(source), problem: NOT_A_RESOURCE });
    return 1;
  }
  if (value.resourceType !== 'Bundle' || !Array.isArray(value.entry)) {
    if (!wanted || wanted(0)) onRecord({ ordinal: 0, line: firstLineOf(source), resource: value });
    return 1;
  }
  const entries = value.entry as unknown[];
  const lines = bundleEntryLines(source);
  entries.forEach((entry, ordinal) => {
    if (wanted && !wanted(ordinal)) return;
    const line = lines[ordinal] ?? 1;
    const e = element(entry);
    const fullUrl = text(e?.fullUrl);
    if (e?.resource === undefined || e.resource === null) onRecord({ ordinal, line, fullUrl, empty: true });
    else if (isResource(e.resource)) onRecord({ ordinal, line, fullUrl, resource: e.resource });
    else onRecord({ ordinal, line, fullUrl, problem: NOT_A_RESOURCE });
  });
  return entries.length;
}

function firstLineOf(source: string): number {
  const brace = source.indexOf('{');
  let line = 1;
  for (let i = 0; i < brace; i++) if (source.charCodeAt(i) === NEWLINE) line++;
  return line;
}

/**
 * For each element of a Bundle's top-level `entry` array: the line where its
 * `resource` starts (the entry's own line when it has none). A small scan
 * over the text, which JSON.parse has already found valid.
 */
export function bundleEntryLines(source: string): number[] {
  type Role = 'root' | 'entries' | 'entry' | 'other';
  interface Frame {
    role: Role;
    isObject: boolean;
    /** The last key read in an object. */
    key?: string;
    expectKey: boolean;
    /** In the entries array: the next non-blank character starts an element. */
    expectElement: boolean;
  }
  const stack: Frame[] = [];
  const lines: number[] = [];
  let line = 1;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === NEWLINE) {
      line++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
    const top = stack[stack.length - 1];
    if (top?.role === 'entries' && top.expectElement && c !== 0x5d /* ] */) {
      lines.push(line);
      top.expectElement = false;
    }
    if (c === 0x22 /* " */) {
      const end = stringEnd(source, i);
      if (top?.isObject && top.expectKey) top.key = source.slice(i + 1, end);
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      let role: Role = 'other';
      if (!top) role = 'root';
      else if (c === 0x5b && top.role === 'root' && top.key === 'entry') role = 'entries';
      else if (c === 0x7b && top.role === 'entries') role = 'entry';
      else if (c === 0x7b && top.role === 'entry' && top.key === 'resource') lines[lines.length - 1] = line;
      stack.push({ role, isObject: c === 0x7b, expectKey: c === 0x7b, expectElement: role === 'entries' });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x3a /* : */) {
      if (top) top.expectKey = false;
    } else if (c === 0x2c /* , */) {
      if (top?.isObject) top.expectKey = true;
      if (top?.role === 'entries') top.expectElement = true;
    }
  }
  return lines;
}

/** Index of the quote that closes the string opened at `open`. */
function stringEnd(source: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const close = source.indexOf('"', i);
    if (close < 0) return source.length;
    let backslashes = 0;
    for (let j = close - 1; source.charCodeAt(j) === 0x5c; j--) backslashes++;
    if (backslashes % 2 === 0) return close;
    i = close + 1;
  }
}
