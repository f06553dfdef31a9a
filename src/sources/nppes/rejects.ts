// DuckDB's rejected records as quarantine entries: the physical line where the
// record starts (the reader numbers records by unquoted line ends; the scan's
// line maps translate), the column when the error is in one, and a reason that
// holds no raw value.
import type { ScanResult } from '../../ingest/record-scanner.ts';

export interface ReaderReject {
  /** DuckDB's `line`: 1 + the unquoted line ends before the record. */
  line: number;
  /** 1-based field index of the first error, when DuckDB gives one. */
  columnIndex: number | null;
  errorType: string;
}

export interface RejectedRecord {
  /** The record's index among the file's data records (1-based). */
  record: number;
  line: number;
  column: string | undefined;
  reason: string;
}

export function rejectedRecords(rejects: readonly ReaderReject[], lines: ScanResult, names: readonly string[]): RejectedRecord[] {
  return rejects.map((reject) => {
    const record = recordAtReaderLine(lines.readerLines, reject.line);
    const shapeError = reject.errorType === 'TOO MANY COLUMNS' || reject.errorType === 'MISSING COLUMNS';
    return {
      record,
      line: lines.physicalLines[record]!,
      column: shapeError || reject.columnIndex === null ? undefined : names[reject.columnIndex - 1],
      reason: readerReason(reject.errorType, names.length),
    };
  });
}

/** The record whose reader line is `readerLine` (reader lines ascend with the record). */
function recordAtReaderLine(readerLines: Int32Array, readerLine: number): number {
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
