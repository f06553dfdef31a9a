// Buffered CSV files that know their line numbers (so planted bad rows can be
// listed by file and line), and a set of them keyed by month.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// Small enough that a hundred open monthly files stay well under 100 MB.
const FLUSH_BYTES = 1 << 18;

export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export class CsvFile {
  private readonly fd: number;
  private buffer: string[] = [];
  private buffered = 0;
  /** Lines written so far, the header included. */
  lines = 0;

  constructor(
    readonly path: string,
    header: readonly string[],
  ) {
    this.fd = openSync(path, 'w');
    this.write(header);
  }

  /** Writes a row and returns its line number. */
  write(cells: readonly string[]): number {
    const line = `${cells.map(csvCell).join(',')}\n`;
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered > FLUSH_BYTES) this.flush();
    return ++this.lines;
  }

  private flush() {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  close() {
    this.flush();
    closeSync(this.fd);
  }
}

/** One extract file per month for a kind: `<kind>_<YYYY-MM>.csv`. */
export class MonthlyFiles {
  private readonly files = new Map<string, CsvFile>();

  constructor(
    private readonly dir: string,
    readonly kind: string,
    private readonly header: readonly string[],
  ) {}

  file(month: string): CsvFile {
    let file = this.files.get(month);
    if (!file) {
      file = new CsvFile(join(this.dir, `${this.kind}_${month}.csv`), this.header);
      this.files.set(month, file);
    }
    return file;
  }

  close(): string[] {
    for (const file of this.files.values()) file.close();
    return [...this.files.values()].map((f) => f.path);
  }
}
