// Counts a CSV file's records independently of DuckDB, in one streaming pass
// that also hashes the bytes. DuckDB's reader silently drops everything after
// a quote left open at the end of a file, and numbers rejected records by
// unquoted line ends rather than by physical lines; this pass is what lets the
// ingest account for every record and name its physical line.
//
// It follows the RFC 4180 quoting DuckDB applies in strict mode: a quote opens
// a quoted field only at the start of a field (elsewhere it is a literal), a
// doubled quote inside a quoted field is a literal quote, and LF, CRLF and a
// lone CR each end a physical line. A line with no bytes is blank and is not a
// record.
//
// It also lists the records DuckDB must not see, for the ingest to quarantine
// before DuckDB reads the file: broken quoting (`malformed`, see step()), and
// (`setAside`) a record longer than DuckDB reads, one with more fields than
// the header where the extra ones are empty (DuckDB's strict mode loads those
// without a word), and, with `strayCR`, one with a lone CR outside quotes in a
// file whose lines end with LF or CRLF (DuckDB refuses the whole file).
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * The longest record, in bytes, line end excluded, that reaches DuckDB.
 * DuckDB's reader refuses a line over 2,000,000 bytes, but counts from the end
 * of the record before, so that record's line end and any blank lines count
 * too: half its limit leaves the reader room.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/** Why a record is set aside before DuckDB reads the file. */
export type RecordProblem =
  /** More bytes than MAX_RECORD_BYTES (or the scanner's own limit). */
  | 'too_long'
  /** More fields than the header, the extra ones empty. */
  | 'extra_empty_fields'
  /** A CR outside quotes that does not end the line (see ScanOptions.strayCR). */
  | 'stray_cr';

export interface SetAsideRecord {
  /** The record's index: 0 is the header, k the k-th data record. */
  record: number;
  /** Byte offsets: the record is start … end - 1, its line end included. */
  start: number;
  end: number;
  problem: RecordProblem;
  /** For a stray CR: the field it is in (0-based). */
  field?: number;
}

/** Where a record starts: its physical line, and the line number DuckDB's rejects give it. */
export interface ScanResult {
  sha256: string;
  bytes: number;
  /** The header record's bytes, line end excluded. */
  header: Buffer;
  /** Fields of the header record. */
  headerFields: number;
  /** Data records, the header excluded (and, with an open quote, only those before it). */
  records: number;
  /** Physical line of each record; index 0 is the header, k the k-th data record. */
  physicalLines: Int32Array;
  /** DuckDB's `line` for each record (1 + unquoted line ends before it). */
  readerLines: Int32Array;
  /** The first line end of the file, which sets its style. */
  lineEnd?: LineEnd;
  /** The file switches line-end style between records (DuckDB's reader cannot read it). */
  mixedLineEnds?: { line: number; first: LineEnd; then: LineEnd };
  /**
   * Records with text after a closing quote: where each starts, where the
   * error is, and (`end`) the offset just past its line end.
   */
  malformed: { record: number; start: number; errorAt: number; end: number }[];
  /** Other records DuckDB must not read (a record is in one list at most, by its first problem). */
  setAside: SetAsideRecord[];
  /** A quote still open at the end of the file: the record where it opened. */
  openQuote?: { byteOffset: number; line: number };
  /** Some bytes are not UTF-8 (the ingest then reads a copy with U+FFFD in their place). */
  invalidUtf8: boolean;
}

export type LineEnd = 'LF' | 'CRLF' | 'CR';

export interface ScanOptions {
  /**
   * In a file whose lines end with LF or CRLF (its first line end says which),
   * a lone CR outside quotes does not end the record: it is a stray byte of
   * the value it is in, and the record is set aside. It still ends a physical
   * line, as a lone CR inside quotes does, so the record's two fragments are
   * one record read, and the lines after it are numbered as elsewhere. Off, a
   * lone CR ends the record as in a file whose lines end with CR, and such a
   * file mixes line ends.
   */
  strayCR?: boolean;
  /** Records longer than this, in bytes, line end excluded, are set aside. */
  maxRecordBytes?: number;
}

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

/**
 * Counts a byte in ranges of one chunk, four bytes at a time: a line that
 * ends with a delimiter is counted whole, and many do (an empty last column),
 * so this runs over a good part of some files.
 */
class ByteCounter {
  private chunk: Buffer | undefined;
  /** The chunk's memory as 32-bit words, from the word that holds its first byte. */
  private words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private wordsFrom = 0;

  count(chunk: Buffer, byte: number, from: number, to: number): number {
    if (chunk !== this.chunk) {
      this.chunk = chunk;
      this.wordsFrom = chunk.byteOffset & ~3;
      this.words = new Int32Array(chunk.buffer, this.wordsFrom, (chunk.byteOffset + chunk.length - this.wordsFrom) >> 2);
    }
    const at = chunk.byteOffset;
    let n = 0;
    let i = from;
    while (i < to && ((at + i) & 3) !== 0) if (chunk[i++] === byte) n++;
    const pattern = Math.imul(byte, 0x01010101);
    const words = this.words;
    let w = (at + i - this.wordsFrom) >> 2;
    for (; i + 4 <= to; i += 4, w++) {
      const x = words[w]! ^ pattern;
      // The high bit of each byte of x that is zero (exact: no carry crosses bytes).
      const zero = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
      n += Math.imul(zero >>> 7, 0x01010101) >>> 24;
    }
    while (i < to) if (chunk[i++] === byte) n++;
    return n;
  }
}

export class RecordScanner {
  private readonly strayCR: boolean;
  private readonly maxRecordBytes: number;

  /** @param delimiter the field delimiter's byte (a quote opens a field only right after one). */
  constructor(
    private readonly delimiter = COMMA,
    options: ScanOptions = {},
  ) {
    this.strayCR = options.strayCR ?? false;
    this.maxRecordBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  }

  private readonly hash = createHash('sha256');
  private readonly counter = new ByteCounter();
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
  /** With strayCR, the offset of a CR outside quotes whose meaning the next byte decides (-1: none). */
  private undecidedCR = -1;
  private recordOpen = false;
  private fieldStart = true;
  private recordStartOffset = 0;
  private headerComplete = false;
  private headerFields: number | undefined;
  /** Fields of the current record so far. */
  private fields = 0;
  /** The current record has a byte other than a quote in a field beyond the header's. */
  private extraContent = false;
  /** The current record's entry in malformed or setAside, its end to be filled in. */
  private fault: { end: number } | undefined;
  private readonly malformed: ScanResult['malformed'] = [];
  private readonly setAside: SetAsideRecord[] = [];
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
      if (!this.inQuotes && !this.recordOpen && !this.pendingCR && this.undecidedCR < 0) {
        // Fast path: a whole line with no quote and no lone CR is one record.
        const lf = chunk.indexOf(LF, pos);
        if (lf !== -1) {
          if (nextQuote !== -1 && nextQuote < pos) nextQuote = chunk.indexOf(QUOTE, pos);
          if (nextCR !== -1 && nextCR < pos) nextCR = chunk.indexOf(CR, pos);
          const quoteInLine = nextQuote !== -1 && nextQuote < lf;
          const loneCR = nextCR !== -1 && nextCR < lf - 1;
          if (!quoteInLine && !loneCR) {
            const contentEnd = lf > pos && chunk[lf - 1] === CR ? lf - 1 : lf;
            if (contentEnd > pos) {
              this.startRecord(this.bytes + pos);
              this.countFieldsOfLine(chunk, pos, contentEnd);
              if (this.physical.length === 1 && !this.headerComplete) this.headerParts.push(chunk.subarray(pos, contentEnd));
              this.closeRecord(this.bytes + contentEnd, this.bytes + lf + 1);
              this.recordOpen = false;
            }
            this.noteLineEnd(contentEnd < lf ? 'CRLF' : 'LF');
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

  /**
   * The fields of a line the fast path reads whole (no quote in it), as far
   * as the checks need them: the header's count, and for a data line that
   * ends with a delimiter (the only kind whose extra fields can all be
   * empty), its count and whether those extra fields are all empty.
   */
  private countFieldsOfLine(chunk: Buffer, from: number, to: number) {
    const isHeader = this.physical.length === 1;
    if (!isHeader && (this.headerFields === undefined || chunk[to - 1] !== this.delimiter)) return;
    this.fields = this.counter.count(chunk, this.delimiter, from, to) + 1;
    if (isHeader || this.fields <= this.headerFields!) return;
    let emptyAtEnd = 0;
    while (to - 1 - emptyAtEnd >= from && chunk[to - 1 - emptyAtEnd] === this.delimiter) emptyAtEnd++;
    this.extraContent = this.fields - this.headerFields! > emptyAtEnd;
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
            this.setFault(this.malformed, { record: this.physical.length - 1, start: this.recordStartOffset, errorAt: this.bytes + pos, end: -1 });
          }
        } else {
          if (b === QUOTE) this.pendingQuote = true;
          else if (this.fields > this.headerFieldsOrAll) this.extraContent = true;
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
      if (this.undecidedCR >= 0) {
        const crAt = this.undecidedCR;
        this.undecidedCR = -1;
        if (b === LF) {
          this.noteLineEnd('CRLF');
          this.endLine(crAt, this.bytes + pos + 1);
          return pos + 1;
        }
        if (this.lineEnd === undefined) {
          // The file's first line end is a lone CR: its lines end with CR.
          this.noteLineEnd('CR');
          this.endLine(crAt, crAt + 1);
          return pos; // b starts the next line
        }
        this.strayCarriageReturn(crAt);
      }
      if (b === LF) {
        this.keepHeader(chunk, recordFrom, pos);
        this.noteLineEnd('LF');
        this.endLine(this.bytes + pos, this.bytes + pos + 1);
        return pos + 1;
      }
      if (b === CR) {
        this.keepHeader(chunk, recordFrom, pos);
        if (this.strayCR && this.lineEnd !== 'CR') {
          // A line end if an LF follows; else, in a file of LF or CRLF lines, a stray byte.
          this.undecidedCR = this.bytes + pos;
          recordFrom = ++pos;
          continue;
        }
        this.endLine(this.bytes + pos, this.bytes + pos + 1);
        this.pendingCR = true;
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
      if (b === this.delimiter) {
        this.fields++;
        this.fieldStart = true;
      } else {
        if (b === QUOTE && this.fieldStart) this.inQuotes = true;
        else if (this.fields > this.headerFieldsOrAll) this.extraContent = true;
        this.fieldStart = false;
      }
      pos++;
    }
    this.keepHeader(chunk, recordFrom, n);
    return pos;
  }

  /** A field beyond this count is an extra one (none while the header is read). */
  private get headerFieldsOrAll(): number {
    return this.headerFields ?? Number.POSITIVE_INFINITY;
  }

  /**
   * A CR at `crAt` that no LF follows, in a file whose lines end with LF or
   * CRLF: it ends a physical line but not the record, which is set aside.
   * (In the header it refuses the file, so the header's bytes need not hold it.)
   */
  private strayCarriageReturn(crAt: number) {
    if (!this.recordOpen) this.startRecord(crAt);
    this.physicalLine++;
    this.setFault(this.setAside, { record: this.physical.length - 1, start: this.recordStartOffset, end: -1, problem: 'stray_cr', field: this.fields - 1 });
    if (this.fields > this.headerFieldsOrAll) this.extraContent = true;
    this.fieldStart = false;
  }

  /** Records the current record's first problem; later ones are not listed. */
  private setFault<T extends { end: number }>(list: T[], entry: T) {
    if (this.fault) return;
    list.push(entry);
    this.fault = entry;
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
    this.fields = 1;
    this.extraContent = false;
    this.fault = undefined;
    this.recordStartOffset = offset;
    this.physical.push(this.physicalLine);
    this.reader.push(this.readerLine);
  }

  /**
   * The current record ends: its line end starts at `lineEndAt` and the next
   * record may start at `after`. Checks what only its end can tell.
   */
  private closeRecord(lineEndAt: number, after: number) {
    const record = this.physical.length - 1;
    if (this.fault) this.fault.end = after;
    else if (lineEndAt - this.recordStartOffset > this.maxRecordBytes) {
      this.setFault(this.setAside, { record, start: this.recordStartOffset, end: after, problem: 'too_long' });
    } else if (record > 0 && this.fields > this.headerFieldsOrAll && !this.extraContent) {
      this.setFault(this.setAside, { record, start: this.recordStartOffset, end: after, problem: 'extra_empty_fields' });
    }
    if (record === 0) {
      this.headerComplete = true;
      this.headerFields = this.fields;
    }
  }

  private endLine(lineEndAt: number, after: number) {
    if (this.recordOpen) this.closeRecord(lineEndAt, after);
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
    if (this.undecidedCR >= 0) {
      const crAt = this.undecidedCR;
      this.undecidedCR = -1;
      if (this.lineEnd === undefined) {
        this.noteLineEnd('CR');
        this.endLine(crAt, crAt + 1);
      } else this.strayCarriageReturn(crAt);
    }
    if (this.recordOpen && !this.inQuotes) this.closeRecord(this.bytes, this.bytes);
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
      headerFields: this.headerFields ?? (recordCount > 0 ? this.fields : 0),
      records: Math.max(0, recordCount - 1),
      malformed: this.malformed.filter((m) => m.record < recordCount),
      setAside: this.setAside.filter((m) => m.record < recordCount),
      physicalLines: this.physical.toArray(recordCount),
      readerLines: this.reader.toArray(recordCount),
      ...(this.lineEnd ? { lineEnd: this.lineEnd } : {}),
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

export async function scanFile(path: string, onCompressedBytes?: (n: number) => void, delimiter = ',', options: ScanOptions = {}): Promise<ScanResult> {
  const scanner = new RecordScanner(delimiter.charCodeAt(0), options);
  for await (const chunk of openExtract(path, onCompressedBytes)) scanner.push(chunk as Buffer);
  return scanner.finish();
}
