// What one ingest run carries from step to step, the summary it fills in,
// and how its outcomes are written as lines.
import type { RefloopConfig } from '../config/schema.ts';
import type { Discovery } from '../ingest/discover.ts';
import type { StagingInstance } from '../ingest/staging-instance.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export interface IngestSummary {
  filesLoaded: number;
  filesAlreadyLoaded: number;
  deliveriesLoaded: number;
  refused: { file: string; reason: string }[];
  /** Files and deliveries changed too recently: they load on a later run. */
  waiting: string[];
  ignored: { file: string; reason: string }[];
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsQuarantined: number;
  /** Set when a stop signal ended the job between files. */
  stoppedBy?: string;
}

export interface IngestOptions {
  /** The private folder beside the warehouse for copies that hold raw rows (work-dir.ts). */
  workDir: string;
  /** A file or delivery changed less than this long ago may still be being written: it waits. */
  settleSeconds?: number;
}

export interface IngestRun {
  warehouse: Warehouse;
  staging: StagingInstance;
  config: RefloopConfig;
  runId: number;
  options: IngestOptions;
  summary: IngestSummary;
  /** Files and deliveries changed at or after this time (ms) wait for a later run. */
  settleBefore: number;
}

/** Row counts one loaded file or delivery adds to the summary. */
export interface RowCounts {
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsQuarantined: number;
}

export function newSummary(found: Discovery): IngestSummary {
  return {
    filesLoaded: 0,
    filesAlreadyLoaded: 0,
    deliveriesLoaded: 0,
    refused: [...found.refused],
    waiting: [],
    ignored: found.ignored,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsSkipped: 0,
    rowsQuarantined: 0,
  };
}

export function addRows(summary: IngestSummary, rows: RowCounts): void {
  summary.rowsRead += rows.rowsRead;
  summary.rowsLoaded += rows.rowsLoaded;
  summary.rowsSkipped += rows.rowsSkipped;
  summary.rowsQuarantined += rows.rowsQuarantined;
}

/** A load failure as one line that says what to do; a full disk says so rather than what DuckDB said after it. */
export function loadFailure(error: unknown, file: string): string {
  const message = String((error as Error)?.message ?? error);
  if (/ENOSPC|No space left on device|disk (is )?full|could not write/i.test(message)) return `the disk is full while loading ${file}: free space and run again (nothing of it was loaded)`;
  return message.split('\n')[0]!;
}

/** A progress line's stage, with its share done when known. */
export const stageText = (stage: string, fraction: number | undefined) => `${stage}${fraction === undefined ? '…' : ` ${Math.min(100, Math.round(fraction * 100))}%`}`;

export function summaryLine(s: IngestSummary): string {
  const refused = s.refused.length ? `, ${s.refused.length} refused` : '';
  const waiting = s.waiting.length ? `, ${s.waiting.length} waiting` : '';
  const skipped = s.filesAlreadyLoaded ? ` (${s.filesAlreadyLoaded} already loaded)` : '';
  const deliveries = s.deliveriesLoaded ? ` and ${s.deliveriesLoaded} deliver${s.deliveriesLoaded === 1 ? 'y' : 'ies'}` : '';
  const rowsSkipped = s.rowsSkipped ? `, ${fmt(s.rowsSkipped)} skipped` : '';
  return `ingest: ${s.filesLoaded} file${s.filesLoaded === 1 ? '' : 's'}${deliveries} loaded${skipped}${refused}${waiting}; ${fmt(s.rowsRead)} rows read, ${fmt(s.rowsLoaded)} loaded${rowsSkipped}, ${fmt(s.rowsQuarantined)} quarantined`;
}

/**
 * A count with thousands separators, as en-US writes it (12,345). Written out
 * rather than with toLocaleString: its first call loads ICU's locale data,
 * 13 ms that held up a small run's batches while it logged the first file.
 */
export const fmt = (n: number) => (Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : n.toLocaleString('en-US'));
