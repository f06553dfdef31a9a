// Keeps alert_log, the state that lets a liaison alert fire once: after the
// models are built (in the transform's transaction, so a failed run changes
// nothing), it records what liaison_alerts found at this as_of. The mart has
// already decided each alert's status against the log as it stood; this
// step only writes those decisions down:
// - an open alert gets its first_seen_at and changed_at as the mart gives
//   them, its latest why and signature, and last_seen_as_of = as_of;
// - an alert open in the log but gone now gets closed_as_of = as_of.
// Writing the same as_of twice leaves the log as the first time did. A run
// whose as_of is before the log's latest leaves it alone: the log is about
// the present, and rewinding it would make old alerts fire again.
import { log } from '../log.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export interface AlertLogUpdate {
  /** False when the run's as_of is before the log's latest (the log was left alone) or liaison_alerts was not built. */
  written: boolean;
  open: number;
  closed: number;
}

const OPEN = "SELECT * FROM liaison_alerts WHERE alert_status <> 'resolved'";

export async function updateAlertLog(warehouse: Warehouse, builtModels: readonly { model: string }[]): Promise<AlertLogUpdate> {
  if (!builtModels.some((m) => m.model === 'liaison_alerts')) return { written: false, open: 0, closed: 0 };
  const [state] = await warehouse.query<{ is_behind: boolean; as_of: string }>(
    `SELECT coalesce((SELECT greatest(max(last_seen_as_of), max(closed_as_of)) FROM alert_log) > as_of, false) AS is_behind, CAST(as_of AS VARCHAR) AS as_of FROM config_params`,
  );
  if (!state || state.is_behind) {
    log('transform.alert_log_kept', `transform: as_of ${state?.as_of ?? '?'} is before the alert log's latest; the log is left as it was`, { as_of: state?.as_of ?? null });
    return { written: false, open: 0, closed: 0 };
  }
  const closed = await closeGone(warehouse);
  await warehouse.run(`
    UPDATE alert_log SET
      liaison = a.liaison, rule = a.rule, source = a.source, subject = a.subject, office = a.office, why = a.why, signature = a.signature,
      first_seen_as_of = a.first_seen_at, last_changed_as_of = a.changed_at, last_seen_as_of = a.as_of, closed_as_of = NULL, last_run_id = a.run_id
    FROM (${OPEN}) AS a
    WHERE alert_log.alert_key = a.alert_key;
    INSERT INTO alert_log
      SELECT a.alert_key, a.liaison, a.rule, a.source, a.subject, a.office, a.why, a.signature, a.first_seen_at, a.changed_at, a.as_of, NULL, a.run_id
      FROM (${OPEN}) AS a
      WHERE a.alert_key NOT IN (SELECT alert_key FROM alert_log);`);
  const [open] = await warehouse.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (${OPEN})`);
  return { written: true, open: open?.n ?? 0, closed };
}

/** Closes every open entry the mart no longer lists; returns how many. */
async function closeGone(warehouse: Warehouse): Promise<number> {
  const gone = `closed_as_of IS NULL AND alert_key NOT IN (SELECT alert_key FROM liaison_alerts WHERE alert_status <> 'resolved')`;
  const [count] = await warehouse.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM alert_log WHERE ${gone}`);
  await warehouse.run(`UPDATE alert_log SET closed_as_of = (SELECT as_of FROM config_params), last_run_id = (SELECT run_id FROM config_params) WHERE ${gone}`);
  return count?.n ?? 0;
}
