// Turns rejected records into quarantine rows with their physical line.
//
// Two kinds of rejection: the CSV reader's (a record that is not valid CSV;
// DuckDB numbers it by unquoted line ends), and the contract's (a record in
// `staged` with a quarantine_reason; numbered by its position among the
// records the reader accepted). The scanner's line maps turn both into the
// physical line where the record starts. Only line, column and reason are
// copied out of DuckDB's rejects: its raw line may hold PHI.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { HeaderMapping } from './header.ts';
import type { ScanResult } from './record-scanner.ts';
import { REJECTS_SCAN_TABLE, REJECTS_TABLE } from './staging-sql.ts';

export interface QuarantineRow {
  line: number;
  column: string | null;
  value: string | null;
  reason: string;
  /** The raw row a converted or adapter-made record came from, when it is not the file's own line. */
  originFile?: string | undefined;
  originLine?: number | undefined;
}

export interface ReaderReject extends QuarantineRow {
  /** The record's index among the file's data records (1-based). */
  record: number;
}

/** The reader's rejects of a batch, by the path it read (see staging-sql.ts). */
export async function readerRejectsByPath(warehouse: Warehouse): Promise<Map<string, { line: number; columnIndex: number | null; errorType: string }[]>> {
  const rows = await warehouse.query<{ read_path: string; line: number; column_idx: number | null; error_type: string }>(
    // A line-level error (a line over the reader's limit) has no column: it sorts first rather than vanishing from arg_min.
    `SELECT scans.file_path AS read_path, errors.line::BIGINT AS line, min(errors.column_idx)::INTEGER AS column_idx,
       arg_min(errors.error_type, coalesce(errors.column_idx, -1)) AS error_type
     FROM temp.${REJECTS_TABLE} AS errors JOIN temp.${REJECTS_SCAN_TABLE} AS scans USING (scan_id, file_id)
     GROUP BY ALL ORDER BY read_path, line`,
  );
  const byPath = new Map<string, { line: number; columnIndex: number | null; errorType: string }[]>();
  for (const row of rows) {
    const list = byPath.get(row.read_path) ?? [];
    list.push({ line: Number(row.line), columnIndex: row.column_idx, errorType: row.error_type });
    byPath.set(row.read_path, list);
  }
  return byPath;
}

/** One file's reader rejects as quarantine rows, each at the physical line its record starts on. */
export function readerRejects(
  rejects: readonly { line: number; columnIndex: number | null; errorType: string }[],
  lines: ScanResult,
  header: HeaderMapping,
): ReaderReject[] {
  const columnName = (index: number | null) => (index === null ? null : (header.fieldNames[index - 1] ?? null));
  return rejects.map((row) => {
    const record = findRecord(lines.readerLines, row.line);
    return {
      record,
      line: lines.physicalLines[record]!,
      column: row.errorType === 'TOO MANY COLUMNS' || row.errorType === 'MISSING COLUMNS' ? null : columnName(row.columnIndex),
      value: null,
      reason: readerReason(row.errorType, header.fieldNames.length),
    };
  });
}

/** A staged record the contract rejects: its position among its file's accepted records (0-based). */
export interface ContractReject {
  position: number;
  column: string;
  reason: string;
  value: string | null;
  originFile?: string | undefined;
  originLine?: number | undefined;
}

/** One file's contract rejects as quarantine rows, each at the physical line its record starts on. */
export function quarantinedRecords(rejects: readonly ContractReject[], lines: ScanResult, rejected: readonly ReaderReject[]): QuarantineRow[] {
  const skipped = rejected.map((r) => r.record).sort((a, b) => a - b);
  let next = 0;
  let shift = 0;
  return rejects.map((row) => {
    // The k-th accepted record (0-based) is the (k+1)-th data record not rejected by the reader.
    let record = row.position + 1 + shift;
    while (next < skipped.length && skipped[next]! <= record) {
      next++;
      shift++;
      record++;
    }
    return { line: lines.physicalLines[record]!, column: row.column, value: row.value, reason: row.reason, originFile: row.originFile, originLine: row.originLine };
  });
}

/** The record whose reader line is `readerLine` (reader lines increase with the record). */
export function findRecord(readerLines: Int32Array, readerLine: number): number {
  let lo = 1;
  let hi = readerLines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (readerLines[mid]! < readerLine) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Why DuckDB's CSV reader rejected a record, in words (its error type, never the raw line). */
export function readerReason(errorType: string, fieldCount: number): string {
  switch (errorType) {
    case 'TOO MANY COLUMNS':
      return `has more fields than the header's ${fieldCount}`;
    case 'MISSING COLUMNS':
      return `has fewer fields than the header's ${fieldCount}`;
    case 'UNQUOTED VALUE':
      return 'has broken quoting (text after a closing quote)';
    case 'INVALID ENCODING':
    case 'INVALID UNICODE':
      return 'is not valid UTF-8';
    case 'LINE SIZE OVER MAXIMUM':
      // The scan sets aside records over MAX_RECORD_BYTES; the reader's own
      // limit also counts the line ends and blank lines before a record.
      return "is longer than the CSV reader's limit of 2,000,000 bytes (counting the blank lines before it)";
    default:
      return `could not be read as CSV (${errorType.toLowerCase()})`;
  }
}
