// Where an adapter's output goes: one canonical CSV per kind in the job's
// private work folder (its rows hold PHI until they are pseudonymized), each
// row naming the raw file and line it came from; and the tally of every raw
// row, so the ingest can prove rows_read = emitted + skipped + quarantined.
//
// An adapter may read part of a delivery in a worker thread (parallel.ts):
// the worker writes through an emitter of its own into a sub-folder, and
// this one adopts what it wrote (`adopt`): the worker's rows of a kind come
// after this thread's rows of that kind, in one file per kind, and its
// tallies join these. Raw files are read by one thread or the other, never
// both.
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { contractOf } from '../contracts/extracts.ts';
import { ORIGIN_FILE, ORIGIN_LINE } from '../ingest/header.ts';
import type { AdapterOutput, CanonicalKind, CanonicalRow, Origin, ParallelOutput } from './adapter.ts';

// Rows wait in a string built by `+=` (a tree of pieces) until it is written:
// kept short, the pieces die young; a megabyte of them outlived the young
// generation and cost old-generation collections (about a tenth of an Epic
// read at 200k referrals).
const FLUSH_CHARS = 1 << 16;

const cell = (value: string) => (needsQuotes(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * Whether a value holds a quote, a comma, a CR or an LF. A loop over its
 * characters: millions of short values pass here, and a regular expression's
 * call cost a third of each row's writing.
 */
function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= COMMA && (c === QUOTE || c === COMMA || c === CR || c === LF)) return true;
  }
  return false;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

class CanonicalFile {
  private readonly fd: number;
  private pending = '';
  rows = 0;
  readonly columns: string[];
  private readonly known: Set<string>;
  /** Files of the same kind written by workers, appended at close. */
  private readonly parts: { path: string; rows: number }[] = [];

  constructor(
    readonly path: string,
    readonly kind: CanonicalKind,
  ) {
    this.columns = contractOf(kind).columns.map((c) => c.name);
    this.known = new Set(this.columns);
    this.fd = openSync(path, 'wx', 0o600);
    this.pending = `${headerOf(kind)}\n`;
  }

  /** `originCell` is the raw file's name as a CSV field, with the comma before the line. */
  write(row: CanonicalRow, originCell: string, line: number): void {
    for (const name in row) {
      if (!this.known.has(name)) throw new Error(`the adapter emitted a ${this.kind} column ${name} that the contract does not have`);
    }
    // Millions of rows pass here: one string built in a loop, no intermediate arrays.
    let text = '';
    const columns = this.columns;
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i]!];
      text += value === null || value === undefined || value === '' ? ',' : `${cell(value)},`;
    }
    this.pending += `${text}${originCell}${line}\n`;
    this.rows++;
    if (this.pending.length > FLUSH_CHARS) this.flush();
  }

  addPart(path: string, rows: number): void {
    this.parts.push({ path, rows });
  }

  private flush() {
    if (this.pending.length) writeSync(this.fd, this.pending);
    this.pending = '';
  }

  close() {
    this.flush();
    for (const part of this.parts) {
      appendWithoutHeader(part.path, this.fd, Buffer.byteLength(`${headerOf(this.kind)}\n`));
      this.rows += part.rows;
    }
    closeSync(this.fd);
  }
}

function headerOf(kind: CanonicalKind): string {
  return [...contractOf(kind).columns.map((c) => c.name), ORIGIN_FILE, ORIGIN_LINE].join(',');
}

function appendWithoutHeader(path: string, fd: number, headerBytes: number): void {
  const source = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let position = headerBytes;
    for (;;) {
      const n = readSync(source, buffer, 0, buffer.length, position);
      if (n === 0) break;
      writeSync(fd, buffer, 0, n);
      position += n;
    }
  } finally {
    closeSync(source);
  }
  rmSync(path, { force: true });
}

/** A set of line numbers as a bitmap: a raw file may have millions of rows. */
export class LineSet {
  private bits: Uint8Array = new Uint8Array(1024);
  size = 0;

  add(line: number): void {
    const byte = line >> 3;
    if (byte >= this.bits.length) {
      const bigger = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      bigger.set(this.bits);
      this.bits = bigger;
    }
    const mask = 1 << (line & 7);
    if (!(this.bits[byte]! & mask)) {
      this.bits[byte]! |= mask;
      this.size++;
    }
  }

  has(line: number): boolean {
    const byte = line >> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (line & 7))) !== 0;
  }

  /** Its bits, to send to another thread (a structured clone keeps the data, not the class). */
  toData(): { bits: Uint8Array; size: number } {
    return { bits: this.bits, size: this.size };
  }

  static fromData(data: { bits: Uint8Array; size: number }): LineSet {
    const set = new LineSet();
    set.bits = data.bits;
    set.size = data.size;
    return set;
  }
}

/** What became of one raw file's rows. */
export interface RawFileTally {
  file: string;
  /** Data rows the adapter said the file holds (undefined: it never said: a bug). */
  read: number | undefined;
  /** Rows that emitted at least one canonical row. */
  emitted: LineSet;
  skipped: Map<string, number>;
  /** Lines skipped one by one (to refuse a line both skipped and emitted). */
  skippedLines: LineSet;
  quarantined: { line: number; reason: string; column: string | null }[];
  issues: Map<string, { column: string; reason: string; rows: number }>;
}

/** What a worker's emitter wrote and counted, as it crosses threads (see CanonicalEmitter.part). */
export interface EmitterPart {
  files: { kind: CanonicalKind; path: string; rows: number }[];
  tallies: (Omit<RawFileTally, 'emitted' | 'skippedLines'> & { emitted: ReturnType<LineSet['toData']>; skippedLines: ReturnType<LineSet['toData']> })[];
  contributions: CanonicalEmitter['contributions'];
}

export class CanonicalEmitter implements AdapterOutput {
  private readonly files = new Map<CanonicalKind, CanonicalFile>();
  readonly tallies = new Map<string, RawFileTally>();
  /** The raw file of the last row, its name as an origin cell, and its tally: rows come in runs of one file. */
  private last: { file: string; originCell: string; tally: RawFileTally } | undefined;
  private parts = 0;

  /**
   * @param dir the private folder the canonical files are written to
   * @param prefix the raw file names are written relative to the inbox: this is prepended to the adapter's names
   */
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly onProgress: (stage: string, fraction?: number) => void = () => {},
  ) {}

  private tally(file: string): RawFileTally {
    let tally = this.tallies.get(file);
    if (!tally) {
      tally = { file, read: undefined, emitted: new LineSet(), skipped: new Map(), skippedLines: new LineSet(), quarantined: [], issues: new Map() };
      this.tallies.set(file, tally);
    }
    return tally;
  }

  emit(kind: CanonicalKind, row: CanonicalRow, origin: Origin): void {
    let file = this.files.get(kind);
    if (!file) {
      file = new CanonicalFile(join(this.dir, `${kind}.csv`), kind);
      this.files.set(kind, file);
    }
    let last = this.last;
    if (last?.file !== origin.file) {
      last = { file: origin.file, originCell: `${cell(this.rawName(origin.file))},`, tally: this.tally(origin.file) };
      this.last = last;
    }
    file.write(row, last.originCell, origin.line);
    last.tally.emitted.add(origin.line);
  }

  /** Raw rows that went into another raw row's canonical rows: (file, line) → (file, line), names relative to the inbox. */
  readonly contributions: { file: string[]; line: number[]; toFile: string[]; toLine: number[] } = { file: [], line: [], toFile: [], toLine: [] };

  contributed(origin: Origin, to: Origin): void {
    this.tally(origin.file).emitted.add(origin.line);
    this.contributions.file.push(this.rawName(origin.file));
    this.contributions.line.push(origin.line);
    this.contributions.toFile.push(this.rawName(to.file));
    this.contributions.toLine.push(to.line);
  }

  skip(origin: Origin, rule: string): void {
    const tally = this.tally(origin.file);
    if (tally.skippedLines.has(origin.line)) return;
    tally.skippedLines.add(origin.line);
    tally.skipped.set(rule, (tally.skipped.get(rule) ?? 0) + 1);
  }

  skipMany(file: string, rule: string, count: number): void {
    if (count <= 0) return;
    const tally = this.tally(file);
    tally.skipped.set(rule, (tally.skipped.get(rule) ?? 0) + count);
  }

  quarantine(origin: Origin, reason: string, column?: string): void {
    this.tally(origin.file).quarantined.push({ line: origin.line, reason, column: column ?? null });
  }

  read(file: string, rows: number): void {
    this.tally(file).read = rows;
  }

  issue(file: string, column: string, reason: string): void {
    const issues = this.tally(file).issues;
    const key = `${column}\u0000${reason}`;
    const entry = issues.get(key) ?? { column, reason, rows: 0 };
    entry.rows++;
    issues.set(key, entry);
  }

  progress(stage: string, fraction?: number): void {
    this.onProgress(stage, fraction);
  }

  rawName(file: string): string {
    return this.prefix ? `${this.prefix}/${file}` : file;
  }

  /** A worker may write part of the delivery's canonical rows: into its own sub-folder of this one's, taken in by `adopt`. */
  readonly parallel: ParallelOutput = {
    partDir: () => {
      const dir = join(this.dir, `part-${++this.parts}`);
      mkdirSync(dir, { mode: 0o700 });
      return { dir, prefix: this.prefix };
    },
    adopt: (part) => this.adopt(part as EmitterPart),
  };

  /** What this emitter wrote and counted, closed, to hand to the emitter of the thread that started the worker. */
  part(): EmitterPart {
    const files = this.close();
    const tallies = [...this.tallies.values()].map((t) => ({ ...t, emitted: t.emitted.toData(), skippedLines: t.skippedLines.toData() }));
    return { files, tallies, contributions: this.contributions };
  }

  /** Takes in a worker's part: its rows come after this thread's, its raw files' tallies join these. */
  adopt(part: EmitterPart): void {
    for (const tally of part.tallies) {
      if (this.tallies.has(tally.file)) throw new Error(`${tally.file} was read by two threads: a defect of the adapter`);
      this.tallies.set(tally.file, { ...tally, emitted: LineSet.fromData(tally.emitted), skippedLines: LineSet.fromData(tally.skippedLines) });
    }
    this.last = undefined;
    const c = part.contributions;
    for (let i = 0; i < c.file.length; i++) {
      this.contributions.file.push(c.file[i]!);
      this.contributions.line.push(c.line[i]!);
      this.contributions.toFile.push(c.toFile[i]!);
      this.contributions.toLine.push(c.toLine[i]!);
    }
    for (const { kind, path, rows } of part.files) {
      let file = this.files.get(kind);
      if (!file) {
        file = new CanonicalFile(join(this.dir, `${kind}.csv`), kind);
        this.files.set(kind, file);
      }
      file.addPart(path, rows);
    }
  }

  /** Closes the canonical files; returns them by kind. */
  close(): { kind: CanonicalKind; path: string; rows: number }[] {
    const out = [...this.files.values()].map((f) => {
      f.close();
      return { kind: f.kind, path: f.path, rows: f.rows };
    });
    return out;
  }
}
