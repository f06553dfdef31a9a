// NDJSON (one JSON object a line) rewritten as the private CSV the ingest
// reads, in two passes so memory holds the header, never the rows: the first
// collects the columns, the second writes the records.
//
// Columns are the flattened keys of every record, in the order first seen:
// - a nested object's keys are joined to its key with dots: `address.postalCode`;
// - an array of scalars is one column, its items joined by `;` (a null item
//   is empty): `"tags": ["a", "b"]` → `tags` = `a;b`;
// - an array holding any object or array is flattened by index, each item as
//   a key of its own: `name.0.family`, `name.1.given` (an array of scalars
//   inside it is joined as above: `name.0.given` = `Ann;Marie`);
// - an empty array is its column with an empty value; an empty object adds
//   no column; null is an empty value;
// - strings as they are, true/false as `true`/`false`, numbers as written
//   (exponents expanded, never rounded: see json-text.ts).
// Two keys that flatten to the same name (`"a.b"` and `"a": {"b"}`) are one
// column; the later in the record wins.
//
// Lines end at LF (a CR before it is dropped); the text is UTF-8 (invalid
// bytes become U+FFFD), `.gz` is decompressed. A blank line is not a record.
// A line that is not a JSON object is quarantined with its line and a reason
// that never quotes it, and is not written.
import { basename } from 'node:path';
import { csvLine, ORIGIN_LINE_COLUMN, originHeaderLine, type QuarantinedLine } from './csv-output.ts';
import { JsonNumber, type JsonObject, JsonSyntaxError, type JsonValue, parseJson } from './json-text.ts';
import { expandExponent } from './plain-number.ts';
import { withPrivateFile } from './private-file.ts';
import { RawInput, type RawDigest, type RawReadOptions } from './raw-input.ts';
import { createChunkDecoder } from './text-decoding.ts';

export interface NdjsonResult extends RawDigest {
  /** The flattened columns, in the order first seen (before `__origin_line`). */
  header: string[];
  /** Records written. rows read = records + quarantined.length. */
  records: number;
  quarantined: QuarantinedLine[];
}

export async function ndjsonToCsv(src: string, dst: string, options: RawReadOptions = {}): Promise<NdjsonResult> {
  const file = basename(src);
  const columns = new Set<string>();
  const quarantined: QuarantinedLine[] = [];
  const first = await eachLine(src, options, (line, text) => {
    const parsed = readRecord(text);
    if (typeof parsed === 'string') return void quarantined.push({ line, reason: parsed });
    for (const key of parsed.keys()) columns.add(key);
  });
  const header = [...columns];
  const bad = new Set(quarantined.map((q) => q.line));
  const records = await withPrivateFile(dst, async (out) => {
    await out.write(originHeaderLine(header, file));
    let written = 0;
    const second = await eachLine(src, options, async (line, text) => {
      if (bad.has(line)) return;
      const fields = readRecord(text) as Map<string, string>;
      await out.write(csvLine([...header.map((column) => fields.get(column) ?? ''), String(line)]));
      written++;
    });
    if (second.sha256 !== first.sha256) throw new Error(`${file} changed while it was being read`);
    return written;
  });
  return { ...first, header, records, quarantined };
}

/** Calls `visit` for each non-blank line (1-based line numbers) and returns the digest of the bytes. */
async function eachLine(src: string, options: RawReadOptions, visit: (line: number, text: string) => void | Promise<void>): Promise<RawDigest> {
  const input = new RawInput(src, options);
  const decoder = createChunkDecoder('utf-8');
  let line = 1;
  let carry = '';
  const take = async (text: string, last: boolean) => {
    let start = 0;
    for (;;) {
      const lf = text.indexOf('\n', start);
      if (lf === -1) break;
      await visitLine(carry + text.slice(start, lf));
      carry = '';
      start = lf + 1;
    }
    carry += text.slice(start);
    if (last && carry.length > 0) await visitLine(carry);
  };
  const visitLine = async (raw: string) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() !== '') await visit(line, text);
    line++;
  };
  for await (const chunk of input) await take(decoder.write(chunk), false);
  await take(decoder.end(), true);
  return input.digest();
}

/** A line's flattened record, or the reason it is not one. */
function readRecord(text: string): Map<string, string> | string {
  let value: JsonValue;
  try {
    value = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return `is not valid JSON (${error.message})`;
    throw error;
  }
  if (!(value instanceof Map)) return `is ${describe(value)}, not a JSON object`;
  const fields = new Map<string, string>();
  flattenObject(value, '', fields);
  if (fields.has(ORIGIN_LINE_COLUMN)) return `has a key named ${ORIGIN_LINE_COLUMN}, a name refloop keeps for itself`;
  return fields;
}

function describe(value: JsonValue): string {
  if (Array.isArray(value)) return 'a JSON array';
  if (value instanceof JsonNumber) return 'a JSON number';
  if (value === null) return 'JSON null';
  return typeof value === 'string' ? 'a JSON string' : 'a JSON boolean';
}

function flattenObject(object: JsonObject, prefix: string, out: Map<string, string>) {
  for (const [key, value] of object) flattenValue(prefix === '' ? key : `${prefix}.${key}`, value, out);
}

function flattenValue(name: string, value: JsonValue, out: Map<string, string>) {
  if (value instanceof Map) return flattenObject(value, name, out);
  if (!Array.isArray(value)) return void out.set(name, scalarText(value));
  if (value.every((item) => !(item instanceof Map) && !Array.isArray(item))) {
    return void out.set(name, value.map((item) => scalarText(item as string | boolean | null | JsonNumber)).join(';'));
  }
  value.forEach((item, index) => flattenValue(`${name}.${index}`, item, out));
}

function scalarText(value: string | boolean | null | JsonNumber): string {
  if (value === null) return '';
  if (value instanceof JsonNumber) return expandExponent(value.text);
  return typeof value === 'string' ? value : String(value);
}
