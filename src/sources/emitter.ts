// Where an adapter's output goes: one canonical CSV per kind in the job's
// private work folder (its rows hold PHI until they are pseudonymized), each
// row naming the raw file and line it came from; and the tally of every raw
// row, so the ingest can prove rows_read = emitted + skipped + quarantined.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { contractOf } from '../contracts/extracts.ts';
import { ORIGIN_FILE, ORIGIN_LINE } from '../ingest/header.ts';
import type { AdapterOutput, CanonicalKind, CanonicalRow, Origin } from './adapter.ts';

const FLUSH_CHARS = 1 << 20;

const NEEDS_QUOTES = /[",\r\n]/;
const cell = (value: string) => (NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

class CanonicalFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private buffered = 0;
  rows = 0;
  readonly columns: string[];
  private readonly known: Set<string>;

  constructor(
    readonly path: string,
    readonly kind: CanonicalKind,
  ) {
    this.columns = contractOf(kind).columns.map((c) => c.name);
    this.known = new Set(this.columns);
    this.fd = openSync(path, 'wx', 0o600);
    this.push([...this.columns, ORIGIN_FILE, ORIGIN_LINE].join(','));
  }

  write(row: CanonicalRow, origin: Origin): void {
    for (const name in row) {
      if (!this.known.has(name)) throw new Error(`the adapter emitted a ${this.kind} column ${name} that the contract does not have`);
    }
    // Millions of rows pass here: one string built in a loop, no intermediate arrays.
    let line = '';
    for (const name of this.columns) {
      const value = row[name];
      line += value === null || value === undefined || value === '' ? ',' : `${cell(value)},`;
    }
    line += `${cell(origin.file)},${origin.line}`;
    this.push(line);
    this.rows++;
  }

  private push(line: string) {
    this.buffer.push(line, '\n');
    this.buffered += line.length + 1;
    if (this.buffered > FLUSH_CHARS) this.flush();
  }

  private flush() {
    if (this.buffer.length) writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/** A set of line numbers as a bitmap: a raw file may have millions of rows. */
export class LineSet {
  private bits = new Uint8Array(1024);
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

export class CanonicalEmitter implements AdapterOutput {
  private readonly files = new Map<CanonicalKind, CanonicalFile>();
  readonly tallies = new Map<string, RawFileTally>();

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
    file.write(row, { file: this.rawName(origin.file), line: origin.line });
    this.tally(origin.file).emitted.add(origin.line);
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

  /** Closes the canonical files; returns them by kind. */
  close(): { kind: CanonicalKind; path: string; rows: number }[] {
    const out = [...this.files.values()].map((f) => {
      f.close();
      return { kind: f.kind, path: f.path, rows: f.rows };
    });
    return out;
  }
}
