// Run records: every job writes one row when it starts and completes it when
// it ends, failed or not. A row left 'running' by a dead process shows that
// the process died (its own log may not have said so).
import { quotedString } from './sql.ts';
import type { Warehouse } from './warehouse.ts';

export type Trigger = 'manual' | 'schedule' | 'catch-up';

export interface RunTotals {
  files?: number;
  filesRefused?: number;
  rowsRead?: number;
  rowsLoaded?: number;
  rowsSkipped?: number;
  rowsQuarantined?: number;
  checksFailed?: number;
}

export async function startRun(warehouse: Warehouse, job: string, trigger: Trigger = 'manual'): Promise<number> {
  const [row] = await warehouse.query<{ run_id: number }>(
    `INSERT INTO runs (run_id, job, trigger, pid, started_at, status)
     SELECT coalesce(max(run_id), 0) + 1, ${quotedString(job)}, ${quotedString(trigger)}, ${process.pid}, now(), 'running' FROM runs
     RETURNING run_id::INTEGER AS run_id`,
  );
  return Number(row!.run_id);
}

export async function finishRun(warehouse: Warehouse, runId: number, totals: RunTotals, error?: string): Promise<void> {
  const value = (n: number | undefined) => (n === undefined ? 'NULL' : String(n));
  await warehouse.run(`UPDATE runs SET
      finished_at = now(),
      status = ${error ? "'failed'" : "'succeeded'"},
      files = ${value(totals.files)},
      files_refused = ${value(totals.filesRefused)},
      rows_read = ${value(totals.rowsRead)},
      rows_loaded = ${value(totals.rowsLoaded)},
      rows_skipped = ${value(totals.rowsSkipped)},
      rows_quarantined = ${value(totals.rowsQuarantined)},
      checks_failed = ${value(totals.checksFailed)},
      error = ${error ? quotedString(error) : 'NULL'}
    WHERE run_id = ${runId}`);
}
