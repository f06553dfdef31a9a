// This week (leaders): the last complete week's numbers against last week and
// the 4-week average (a later stage for the latest week old enough, as
// kpi_weekly marks it), the funnel of a matured cohort, what moved most, and
// data freshness. Aggregates only; no breakdown by a patient attribute here.
import { arrivalsSql } from '../../src/site/arrivals.ts';
import { runLoader } from '../../src/site/loader.ts';

await runLoader('this-week', async (query) => {
  const [params] = await query<{ as_of: string; leakage_window_days: number }>(
    "SELECT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, leakage_window_days FROM config_params",
  );
  // The last complete Monday–Sunday week before as_of.
  const [week] = await query<{ week: string }>('SELECT DISTINCT week::VARCHAR AS week FROM kpi_weekly WHERE is_this_week');
  if (!week) throw new Error('kpi_weekly has no complete week before as_of: no referral was received before it');
  const kpis = await query(
    `SELECT service_line, metric, week::VARCHAR AS week, mature_after_days, value, last_week, avg_previous_4_weeks, change_vs_last_week, change_vs_previous_4_weeks
     FROM kpi_weekly WHERE is_latest_mature_week ORDER BY service_line, metric`,
  );
  const trend = await query(
    `SELECT week::VARCHAR AS week, service_line, value AS referrals FROM kpi_weekly
     WHERE metric = 'referrals' AND week > DATE '${week.week}' - INTERVAL 104 WEEK AND week <= DATE '${week.week}' ORDER BY week`,
  );
  // A matured cohort: referrals received 30–120 days before as_of have had
  // time to move through the funnel, so drop-off is not just "not yet".
  const funnel = await query(
    `SELECT service_line,
       count(*) AS received, count(*) FILTER (WHERE in_scope) AS in_scope, count(*) FILTER (WHERE is_docs_complete) AS docs_complete,
       count(*) FILTER (WHERE is_contacted) AS contacted, count(*) FILTER (WHERE is_scheduled) AS scheduled,
       count(*) FILTER (WHERE is_completed) AS completed, count(*) FILTER (WHERE is_loop_closed) AS loop_closed
     FROM fct_referrals, config_params
     WHERE received_at BETWEEN as_of - INTERVAL 120 DAY AND as_of - INTERVAL 30 DAY
     GROUP BY service_line ORDER BY service_line`,
  );
  const sourceMovers = await query(
    `WITH weekly AS (
       SELECT source, count(*) FILTER (WHERE received_week > DATE '${week.week}' - INTERVAL 4 WEEK AND received_week <= DATE '${week.week}') / 4.0 AS recent,
              count(*) FILTER (WHERE received_week > DATE '${week.week}' - INTERVAL 16 WEEK AND received_week <= DATE '${week.week}' - INTERVAL 4 WEEK) / 12.0 AS baseline
       FROM fct_referrals WHERE source <> 'unknown' GROUP BY source
     )
     SELECT weekly.source, coalesce(q.source_name, weekly.source) AS name, q.source_practice AS practice, q.liaison,
            round(recent, 1) AS recent_per_week, round(baseline, 1) AS baseline_per_week, round(recent - baseline, 1) AS change_per_week
     FROM weekly LEFT JOIN source_quality q USING (source)
     WHERE baseline >= 1 OR recent >= 1
     ORDER BY abs(recent - baseline) DESC LIMIT 10`,
  );
  const freshness = await query(
    `SELECT kind, arg_max(arrival, arrived_at) AS latest_file, strftime(max(arrived_at), '%Y-%m-%d %H:%M') AS last_loaded
     FROM ${await arrivalsSql(query)} GROUP BY kind ORDER BY kind`,
  );
  const [lastRun] = await query(
    `SELECT run_id, job, status, strftime(finished_at, '%Y-%m-%d %H:%M') AS finished FROM runs WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT 1`,
  );
  return { asOf: params!.as_of, week: week.week, kpis, trend, funnel, sourceMovers, freshness, lastRun: lastRun ?? null };
});
