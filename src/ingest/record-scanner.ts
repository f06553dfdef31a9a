// Counts a CSV file's records independently of DuckDB, in one streaming pass
// that also hashes the bytes. DuckDB's reader silently drops everything after
// a quote left open at the end of a file, and numbers rejected records by
// unquoted line ends rather than by physical lines; this pass is what lets the
// ingest account for every record and name its physical line.
//
// It follows the RFC 4180 quoting DuckDB applies in strict mode: a quote opens
// a quoted field only at the start of a field (elsewhere it is a literal), a
// doubled quote inside a quoted field is a literal quote, and LF, CRLF and a
// lone CR each end a line. A line with no bytes is blank and is not a record.
// Records with broken quoting are listed (see step()), for the ingest to
// quarantine before DuckDB reads the file.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Where a record starts: its physical line, and the line number DuckDB's rejects give it. */
export interface ScanResult {
  sha256: string;
  bytes: number;
  /** The header record's bytes, line end excluded. */
  header: Buffer;
  /** Data records, the header excluded (and, with an open quote, only those before it). */
  records: number;
  /** Physical line of each record; index 0 is the header, k the k-th data record. */
  physicalLines: Int32Array;
  /** DuckDB's `line` for each record (1 + unquoted line ends before it). */
  readerLines: Int32Array;
  /** The file switches line-end style between records (DuckDB's reader cannot read it). */
  mixedLineEnds?: { line: number; first: LineEnd; then: LineEnd };
  /** Records with text after a closing quote: where each starts, and where the error is. */
  malformed: { record: number; start: number; errorAt: number }[];
  /** A quote still open at the end of the file: the record where it opened. */
  openQuote?: { byteOffset: number; line: number };
  /** Some bytes are not UTF-8 (the ingest then reads a copy with U+FFFD in their place). */
  invalidUtf8: boolean;
}

export type LineEnd = 'LF' | 'CRLF' | 'CR';

class GrowableInt32 {
  private data = new Int32Array(1024);
  length = 0;
  push(value: number) {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  toArray(length = this.length) {
    return this.data.slice(0, length);
  }
}

export class RecordScanner {
  /** @param delimiter the field delimiter's byte (a quote opens a field only right after one). */
  constructor(private readonly delimiter = COMMA) {}

  private readonly hash = createHash('sha256');
  /** The last bytes of the previous chunk when they began a character that the next chunk completes. */
  private utf8Tail: Buffer = Buffer.alloc(0);
  private invalidUtf8 = false;
  private readonly physical = new GrowableInt32();
  private readonly reader = new GrowableInt32();
  private readonly headerParts: Buffer[] = [];
  private bytes = 0;
  private physicalLine = 1;
  private readerLine = 1;
  private inQuotes = false;
  /** Inside quotes, the chunk ended on a quote: the next byte decides. */
  private pendingQuote = false;
  /** A CR ended a line: an LF right after it belongs to the same line end. */
  private pendingCR = false;
  private recordOpen = false;
  private fieldStart = true;
  private recordStartOffset = 0;
  private headerComplete = false;
  private readonly malformed: ScanResult['malformed'] = [];
  /** After a malformed quoted field, the rest of the line belongs to the same (rejected) record. */
  private skippingToLineEnd = false;
  private lineEnd: LineEnd | undefined;
  private mixedLineEnds: ScanResult['mixedLineEnds'];
  /** Inside quotes, the previous byte was a CR (so an LF after it is the same line break). */
  private quotedCR = false;

  push(chunk: Buffer): void {
    this.hash.update(chunk);
    if (!this.invalidUtf8) this.checkUtf8(chunk);
    const n = chunk.length;
    let pos = 0;
    let nextQuote = -2;
    let nextCR = -2;
    while (pos < n) {
      if (!this.inQuotes && !this.recordOpen && !this.pendingCR) {
        // Fast path: a whole line with no quote and no lone CR is one record.
        const lf = chunk.indexOf(LF, pos);
        if (lf !== -1) {
          if (nextQuote !== -1 && nextQuote < pos) nextQuote = chunk.indexOf(QUOTE, pos);
          if (nextCR !== -1 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
          const quoteInLine = nextQuote !== -1 && nextQuote < lf;
          const loneCR = nextCR !== -1 && nextCR < lf - 1;
          if (!quoteInLine && !loneCR) {
            const blank = lf === pos || (lf === pos + 1 && chunk[pos] === CR);
            if (!blank) {
              this.startRecord(this.bytes + pos);
              if (this.physical.length === 1 && !this.headerComplete) {
                this.headerParts.push(chunk.subarray(pos, chunk[lf - 1] === CR ? lf - 1 : lf));
                this.headerComplete = true;
              }
              this.recordOpen = false;
            }
            this.noteLineEnd(lf > pos && chunk[lf - 1] === CR ? 'CRLF' : 'LF');
            this.physicalLine++;
            this.readerLine++;
            pos = lf + 1;
            continue;
          }
        }
      }
      pos = this.step(chunk, pos);
    }
    this.bytes += n;
  }

  /** Validates UTF-8 across chunk boundaries: a character cut by the boundary is checked with the next chunk. */
  private checkUtf8(chunk: Buffer): void {
    const bytes = this.utf8Tail.length ? Buffer.concat([this.utf8Tail, chunk]) : chunk;
    // Back up over at most three continuation bytes to the start of the last character.
    let cut = bytes.length;
    for (let back = 1; back <= 4 && back <= bytes.length; back++) {
      const b = bytes[bytes.length - back]!;
      if ((b & 0xc0) !== 0x80) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (need > back) cut = bytes.length - back;
        break;
      }
    }
    if (!isUtf8(bytes.subarray(0, cut))) this.invalidUtf8 = true;
    this.utf8Tail = Buffer.from(bytes.subarray(cut));
  }

  /** The state machine, byte by byte, until the current line ends or the chunk does. */
  private step(chunk: Buffer, from: number): number {
    const n = chunk.length;
    let pos = from;
    let recordFrom = from;
    while (pos < n) {
      const b = chunk[pos]!;
      if (this.inQuotes) {
        if (this.pendingQuote) {
          this.pendingQuote = false;
          if (b === QUOTE) {
            pos++;
            continue;
          }
          this.inQuotes = false; // that quote closed the field; read b as unquoted
          // Text after a closing quote is broken quoting. Where such a record
          // ends is a matter of recovery; DuckDB's own does not follow one
          // simple rule, so the ingest quarantines these records itself and
          // never shows them to DuckDB. Here the record runs to the line end.
          if (b !== this.delimiter && b !== LF && b !== CR) {
            this.skippingToLineEnd = true;
            this.malformed.push({ record: this.physical.length - 1, start: this.recordStartOffset, errorAt: this.bytes + pos });
          }
        } else {
          if (b === QUOTE) this.pendingQuote = true;
          // A line break inside a quoted field is still a physical line.
          if ((b === LF && !this.quotedCR) || b === CR) this.physicalLine++;
          this.quotedCR = b === CR;
          pos++;
          continue;
        }
      }
      if (this.pendingCR) {
        this.pendingCR = false;
        this.noteLineEnd(b === LF ? 'CRLF' : 'CR', this.physicalLine - 1);
        if (b === LF) {
          recordFrom = ++pos;
          continue;
        }
      }
      if (b === LF || b === CR) {
        this.keepHeader(chunk, recordFrom, pos);
        if (this.recordOpen && this.physical.length === 1) this.headerComplete = true;
        if (b === LF) this.noteLineEnd('LF');
        this.endLine();
        this.pendingCR = b === CR;
        return pos + 1;
      }
      if (!this.recordOpen) {
        this.startRecord(this.bytes + pos);
        recordFrom = pos;
      }
      if (this.skippingToLineEnd) {
        pos++;
        continue;
      }
      if (b === QUOTE && this.fieldStart) this.inQuotes = true;
      this.fieldStart = b === this.delimiter;
      pos++;
    }
    this.keepHeader(chunk, recordFrom, n);
    return pos;
  }

  /** Collects the header record's bytes, which may span chunks. */
  private keepHeader(chunk: Buffer, from: number, to: number) {
    if (this.recordOpen && this.physical.length === 1 && !this.headerComplete) this.headerParts.push(chunk.subarray(from, to));
  }

  /** Remembers the first line-end style and the first line that breaks it. */
  private noteLineEnd(style: LineEnd, line = this.physicalLine) {
    if (this.lineEnd === undefined) this.lineEnd = style;
    else if (style !== this.lineEnd && !this.mixedLineEnds) this.mixedLineEnds = { line, first: this.lineEnd, then: style };
  }

  private startRecord(offset: number) {
    this.recordOpen = true;
    this.fieldStart = true;
    this.recordStartOffset = offset;
    this.physical.push(this.physicalLine);
    this.reader.push(this.readerLine);
  }

  private endLine() {
    this.recordOpen = false;
    this.skippingToLineEnd = false;
    this.fieldStart = true;
    this.physicalLine++;
    this.readerLine++;
  }

  finish(): ScanResult {
    // A quote that was pending at the very end closes its field.
    if (this.pendingQuote) this.inQuotes = false;
    if (this.pendingCR) this.noteLineEnd('CR', this.physicalLine - 1);
    let recordCount = this.physical.length;
    let openQuote: ScanResult['openQuote'];
    if (this.inQuotes) {
      recordCount -= 1;
      openQuote = { byteOffset: this.recordStartOffset, line: this.physical.toArray()[recordCount]! };
    }
    const header = Buffer.concat(this.headerParts);
    if (this.utf8Tail.length) this.invalidUtf8 = true; // a character cut off by the end of the file
    return {
      invalidUtf8: this.invalidUtf8,
      sha256: this.hash.digest('hex'),
      bytes: this.bytes,
      header,
      records: Math.max(0, recordCount - 1),
      malformed: this.malformed.filter((m) => m.record < recordCount),
      physicalLines: this.physical.toArray(recordCount),
      readerLines: this.reader.toArray(recordCount),
      ...(openQuote ? { openQuote } : {}),
      ...(this.mixedLineEnds ? { mixedLineEnds: this.mixedLineEnds } : {}),
    };
  }
}

/** The decompressed bytes of an extract, streamed. */
export function openExtract(path: string, onCompressedBytes?: (n: number) => void): NodeJS.ReadableStream {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (onCompressedBytes) raw.on('data', (chunk) => onCompressedBytes((chunk as Buffer).length));
  return /\.gz$/i.test(path) ? raw.pipe(createGunzip()) : raw;
}

export async function scanFile(path: string, onCompressedBytes?: (n: number) => void, delimiter = ','): Promise<ScanResult> {
  const scanner = new RecordScanner(delimiter.charCodeAt(0));
  for await (const chunk of openExtract(path, onCompressedBytes)) scanner.push(chunk as Buffer);
  return scanner.finish();
}
