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
import { REJECTS_TABLE } from './staging-sql.ts';

export interface QuarantineRow {
  line: number;
  column: string | null;
  value: string | null;
  reason: string;
}

export interface ReaderReject extends QuarantineRow {
  /** The record's index among the file's data records (1-based). */
  record: number;
}

export async function readerRejects(
  warehouse: Warehouse,
  lines: ScanResult,
  header: HeaderMapping,
): Promise<ReaderReject[]> {
  const rows = await warehouse.query<{ line: number; column_idx: number | null; error_type: string }>(
    `SELECT line::BIGINT AS line, min(column_idx)::INTEGER AS column_idx, arg_min(error_type, column_idx) AS error_type
     FROM temp.${REJECTS_TABLE} GROUP BY line ORDER BY line`,
  );
  const columnName = (index: number | null) => (index === null ? null : (header.fieldNames[index - 1] ?? null));
  return rows.map((row) => {
    const record = findRecord(lines.readerLines, Number(row.line));
    return {
      record,
      line: lines.physicalLines[record]!,
      column: row.error_type === 'TOO MANY COLUMNS' || row.error_type === 'MISSING COLUMNS' ? null : columnName(row.column_idx),
      value: null,
      reason: readerReason(row.error_type, header.fieldNames.length),
    };
  });
}

export async function quarantinedRecords(warehouse: Warehouse, lines: ScanResult, rejected: ReaderReject[]): Promise<QuarantineRow[]> {
  const rows = await warehouse.query<{ row_index: number; column: string; reason: string; value: string | null }>(
    `SELECT rowid::BIGINT AS row_index, quarantine_column AS "column", quarantine_reason AS reason, quarantine_value AS value
     FROM staged WHERE quarantine_reason IS NOT NULL ORDER BY rowid`,
  );
  const skipped = rejected.map((r) => r.record).sort((a, b) => a - b);
  let next = 0;
  let shift = 0;
  return rows.map((row) => {
    // The k-th accepted record (0-based) is the (k+1)-th data record not rejected by the reader.
    let record = Number(row.row_index) + 1 + shift;
    while (next < skipped.length && skipped[next]! <= record) {
      next++;
      shift++;
      record++;
    }
    return { line: lines.physicalLines[record]!, column: row.column, value: row.value, reason: row.reason };
  });
}

/** The record whose reader line is `readerLine` (reader lines increase with the record). */
function findRecord(readerLines: Int32Array, readerLine: number): number {
  let lo = 1;
  let hi = readerLines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (readerLines[mid]! < readerLine) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readerReason(errorType: string, fieldCount: number): string {
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
      return "is longer than the CSV reader's maximum line size";
    default:
      return `could not be read as CSV (${errorType.toLowerCase()})`;
  }
}
