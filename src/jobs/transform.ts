// The transform job: builds the SQL models for as_of, records the liaison
// alerts they found (alert_log), the capacity forecast and the data checks in
// one transaction, so a step that fails (a model, the forecast, a check)
// leaves every table, alert_log, model_runs and check_results as they were. With a snapshot folder it then publishes the marts as a snapshot set;
// `refloop transform` does that itself, after the run is recorded.
import { join } from 'node:path';
import { updateAlertLog } from '../alerts/log.ts';
import type { RefloopConfig } from '../config/schema.ts';
import { log, progress } from '../log.ts';
import { buildModelsInTransaction, type ModelRun } from '../models/build.ts';
import { type CheckResult, customChecks, modelChecks, runChecks } from '../models/checks.ts';
import { buildCapacityForecastInTransaction, FORECAST_TABLES } from '../forecast/capacity-step.ts';
import { resolveAsOf } from '../models/config-tables.ts';
import { readModels } from '../models/model-file.ts';
import { projectRoot } from '../project-root.ts';
import { publishSnapshotSet, systemSnapshots } from '../models/snapshots.ts';
import { stopRequested, stopSignal } from '../shutdown.ts';
import { withTransaction } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export const SQL_DIR = join(projectRoot(), 'sql');

export interface TransformResult {
  asOf: string;
  marts: string[];
  models: ModelRun[];
  checks: CheckResult[];
  /** The marts' snapshot files, when a snapshot folder was given. */
  snapshots: string[];
}

export async function transform(
  warehouse: Warehouse,
  config: RefloopConfig,
  options: { asOf?: string | undefined; runId: number; snapshotDir?: string; sqlDir?: string },
): Promise<TransformResult> {
  const sqlDir = options.sqlDir ?? SQL_DIR;
  const models = await readModels(sqlDir);
  const checkList = [...modelChecks(models), ...(await customChecks(join(sqlDir, 'checks')))];
  const asOf = await resolveAsOf(warehouse, options.asOf);
  log('transform.start', `transform: ${models.length} models as of ${asOf}`, { models: models.length, as_of: asOf });
  const { runs, forecasted, checks } = await interruptedOnStop(warehouse, () => withTransaction(warehouse, async () => {
    const runs = await buildModelsInTransaction(warehouse, models, config, asOf, options.runId, (model, i, total) => {
      throwIfStopped();
      progress(`transform: [${i + 1}/${total}] ${model.name}`);
    });
    await updateAlertLog(warehouse, runs);
    progress('transform: capacity forecast');
    const forecasted = await buildCapacityForecastInTransaction(warehouse);
    progress('transform: checks');
    const checks = await runChecks(warehouse, checkList, options.runId);
    throwIfStopped();
    return { runs, forecasted, checks };
  }));
  for (const failed of checks.filter((c) => c.failingRows > 0)) {
    log('transform.check_failed', `transform: check ${failed.name} (${failed.severity}) fired on ${failed.failingRows} rows: ${failed.whatToDo}`, {
      check: failed.name,
      severity: failed.severity,
      failing_rows: failed.failingRows,
    });
  }
  const marts = [...models.filter((m) => m.layer === 'marts').map((m) => m.name), ...(forecasted ? FORECAST_TABLES : [])];
  let snapshots: string[] = [];
  if (options.snapshotDir) {
    const set = await publishSnapshotSet(warehouse, [...marts, ...systemSnapshots(marts)], options.snapshotDir, { runId: options.runId, practiceId: config.practice_id });
    snapshots = set.files.slice(0, marts.length);
  }
  return { asOf, marts, models: runs, checks, snapshots };
}

/** Between steps (and after an interrupted query): a stop ends the transform, rolled back. */
function throwIfStopped(): void {
  if (stopRequested()) throw new Error(`transform stopped by ${stopRequested()}: nothing changed, the marts are as the last transform left them`);
}

/**
 * Runs `work` so that a stop (SIGTERM, Ctrl-C) interrupts the query in hand
 * instead of waiting for the whole build: one model can take minutes on a
 * large practice, and the transaction rolls back whole, so stopping early
 * loses nothing but the run's own work.
 */
async function interruptedOnStop<T>(warehouse: Warehouse, work: () => Promise<T>): Promise<T> {
  throwIfStopped();
  const interrupt = () => warehouse.connection.interrupt();
  stopSignal().addEventListener('abort', interrupt, { once: true });
  try {
    return await work();
  } catch (error) {
    throwIfStopped();
    throw error;
  } finally {
    stopSignal().removeEventListener('abort', interrupt);
  }
}

export function transformSummary(result: TransformResult): string {
  const seconds = result.models.reduce((s, m) => s + m.seconds, 0).toFixed(1);
  const failed = result.checks.filter((c) => c.failingRows > 0);
  const errors = failed.filter((c) => c.severity === 'error').length;
  return `transform: ${result.models.length} models built in ${seconds}s as of ${result.asOf}; ${result.checks.length} checks, ${errors} errors, ${failed.length - errors} warnings; ${result.marts.length} marts`;
}
