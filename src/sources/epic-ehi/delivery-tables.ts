// The tables of one delivery, read with the accounting the ingest checks:
// every file's row count is reported once, and a lookup table's rows are
// counted as skipped by the rule 'lookup' in bulk.
import type { AdapterOutput, DeliveryFile, Origin } from '../adapter.ts';
import type { Table } from './tables.ts';
import { detectEncoding, readTable, type Encoding, type Header, type Row } from './tsv.ts';

/** Given a file's header, the function that takes each of its rows. */
export type RowReader = (header: Header, file: DeliveryFile) => (fields: Row, origin: Origin) => void;

export class DeliveryTables {
  private readonly encodings = new Map<string, Promise<Encoding>>();

  constructor(
    private readonly byTable: ReadonlyMap<Table, readonly DeliveryFile[]>,
    private readonly output: AdapterOutput,
  ) {}

  files(table: Table): readonly DeliveryFile[] {
    return this.byTable.get(table) ?? [];
  }

  has(table: Table): boolean {
    return this.files(table).length > 0;
  }

  /**
   * The accounting pass over every file of a table: the reader decides each
   * row's fate (emit or skip); rows of the wrong width are quarantined here.
   * Returns, per file, the rows handed to the reader.
   */
  async read(table: Table, reader: RowReader): Promise<Map<DeliveryFile, number>> {
    const handed = new Map<DeliveryFile, number>();
    for (const file of this.files(table)) {
      const result = await readTable(file, await this.encodingOf(file), (header) => this.rowsOf(header, file, reader), this.output);
      this.output.read(file.name, result.rows);
      handed.set(file, result.rows - result.quarantined);
    }
    return handed;
  }

  /** The accounting pass over a table read only to resolve others: every readable row is skipped as 'lookup'. */
  async readLookup(table: Table, reader: RowReader): Promise<void> {
    for (const [file, rows] of await this.read(table, reader)) {
      if (rows > 0) this.output.skipMany(file.name, 'lookup', rows);
    }
  }

  private rowsOf(header: Header, file: DeliveryFile, reader: RowReader) {
    const onRow = reader(header, file);
    const name = file.name;
    return (fields: Row, line: number) => onRow(fields, { file: name, line });
  }

  private encodingOf(file: DeliveryFile): Promise<Encoding> {
    let encoding = this.encodings.get(file.path);
    if (!encoding) {
      encoding = detectEncoding(file.path).catch((error: unknown) => {
        throw new Error(`${file.name}: cannot be read (${(error as Error).message})`, { cause: error });
      });
      this.encodings.set(file.path, encoding);
    }
    return encoding;
  }
}
