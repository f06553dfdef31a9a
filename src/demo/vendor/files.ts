// The files a vendor export is made of: Epic's tab-separated tables (UTF-8 or
// Windows-1252, CRLF, no quoting) and FHIR's NDJSON, one resource a line, split
// into numbered files as bulk-export servers do. Both buffer their writes, so
// a million-referral demo streams through them in constant memory.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const FLUSH_BYTES = 1 << 18;

export type TableEncoding = 'utf-8' | 'windows-1252';

/**
 * Windows-1252's bytes 0x80–0x9F (WHATWG index; the five it leaves undefined
 * stay C1 controls). Written out rather than read off TextDecoder: Node 20.18.3+
 * and 22.13+ decode `windows-1252` as Latin-1 in a one-shot `decode()`
 * (nodejs/node#56542), which would map 0x92 to U+0092 instead of ’.
 */
const HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';
/** Each character Windows-1252 can hold → its byte. */
const WINDOWS_1252 = (() => {
  const bytes = new Map<string, number>();
  for (let i = 0; i < 256; i++) bytes.set(i >= 0x80 && i < 0xa0 ? HIGH[i - 0x80]! : String.fromCharCode(i), i);
  return bytes;
})();

/** Encodes text as Windows-1252; a character it cannot hold is a programming error in the demo's data. */
export function encodeWindows1252(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  let i = 0;
  for (const ch of text) {
    const byte = WINDOWS_1252.get(ch);
    if (byte === undefined) throw new Error(`'${ch}' (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) cannot be written in Windows-1252`);
    out[i++] = byte;
  }
  return out.subarray(0, i);
}

/** A text file written through a buffer, in UTF-8 or Windows-1252. */
export class BufferedFile {
  private readonly fd: number;
  private chunks: string[] = [];
  private size = 0;

  constructor(
    readonly path: string,
    private readonly encoding: TableEncoding = 'utf-8',
  ) {
    this.fd = openSync(path, 'w');
  }

  append(text: string) {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size > FLUSH_BYTES) this.flush();
  }

  private flush() {
    if (this.chunks.length === 0) return;
    const text = this.chunks.join('');
    if (this.encoding === 'utf-8') writeSync(this.fd, text);
    else writeSync(this.fd, encodeWindows1252(text));
    this.chunks = [];
    this.size = 0;
  }

  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/** One Epic table: `<TABLE>.tsv`, a header row, CRLF line ends. */
export class TsvTable extends BufferedFile {
  rows = 0;
  private readonly known: Set<string>;

  constructor(
    dir: string,
    readonly table: string,
    readonly columns: readonly string[],
    encoding: TableEncoding = 'utf-8',
  ) {
    super(join(dir, `${table}.tsv`), encoding);
    this.known = new Set(columns);
    this.append(`${columns.join('\t')}\r\n`);
  }

  /** Writes a row given by column name; columns not named are empty (Epic's null). */
  write(row: Readonly<Record<string, string | number | undefined>>) {
    const cells = this.columns.map((column) => {
      const value = row[column];
      const text = value === undefined ? '' : String(value);
      // The export has no quoting: a tab or line break inside a value would shift every later column.
      if (/[\t\r\n]/.test(text)) throw new Error(`${this.table}.${column}: a value holds a tab or line break`);
      return text;
    });
    for (const name in row) if (!this.known.has(name)) throw new Error(`${this.table} has no column ${name}`);
    this.append(`${cells.join('\t')}\r\n`);
    this.rows++;
  }
}

/** The NDJSON files of one resource type: `<Type>.000.ndjson`, `<Type>.001.ndjson`, … of at most `linesPerFile` lines each. */
export class NdjsonFiles {
  private file: BufferedFile | undefined;
  private lines = 0;
  private index = 0;
  readonly paths: string[] = [];
  count = 0;

  constructor(
    private readonly dir: string,
    readonly resourceType: string,
    private readonly linesPerFile = 1_000_000,
  ) {}

  write(resource: { resourceType: string } & Record<string, unknown>) {
    if (resource.resourceType !== this.resourceType) throw new Error(`a ${resource.resourceType} written to the ${this.resourceType} files`);
    if (!this.file || this.lines >= this.linesPerFile) this.open();
    this.lines++;
    this.count++;
    this.file!.append(`${JSON.stringify(resource)}\n`);
  }

  private open() {
    this.file?.close();
    const path = join(this.dir, `${this.resourceType}.${String(this.index++).padStart(3, '0')}.ndjson`);
    this.file = new BufferedFile(path);
    this.lines = 0;
    this.paths.push(path);
  }

  close() {
    this.file?.close();
    this.file = undefined;
  }
}
