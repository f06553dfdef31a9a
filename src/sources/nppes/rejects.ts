// DuckDB's rejected records as quarantine entries: the physical line where the
// record starts (the reader numbers records by unquoted line ends; the scan's
// line maps translate), the column when the error is in one, and a reason that
// holds no raw value.
import type { ScanResult } from '../../ingest/record-scanner.ts';
import { findRecord, readerReason } from '../../ingest/quarantine.ts';

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
    const record = findRecord(lines.readerLines, reject.line);
    const shapeError = reject.errorType === 'TOO MANY COLUMNS' || reject.errorType === 'MISSING COLUMNS';
    return {
      record,
      line: lines.physicalLines[record]!,
      column: shapeError || reject.columnIndex === null ? undefined : names[reject.columnIndex - 1],
      reason: readerReason(reject.errorType, names.length),
    };
  });
}
