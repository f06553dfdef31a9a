// This week (leaders): the weekly headline numbers as XmR charts with their
// limits, targets and published references (kpi_signals, reference_benchmarks),
// the sentences of this week's signals, each feed's freshness
// (feed_freshness), the funnel of a matured cohort and the referring
// clinicians whose volume moved. The marts compute; this selects. Aggregates
// only; no breakdown by a patient attribute here. A null stays null (the page
// says "not available").
import { runLoader } from '../../src/site/loader.ts';

/** Weeks of history drawn on each XmR chart: the latest 12 and the 20 baseline weeks before them. */
const CHART_WEEKS = 32;

await runLoader('this-week', async (query) => {
  const [params] = await query<{ as_of: string }>("SELECT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of FROM config_params");
  // The last complete Monday–Sunday week before as_of.
  const [week] = await query<{ week: string }>('SELECT DISTINCT week_start::VARCHAR AS week FROM kpi_signals WHERE is_this_week');
  if (!week) throw new Error('kpi_signals has no complete week before as_of: no referral was received before it');
  // Each metric for the week the page shows it for (its latest mature week), with its limits, signal and target.
  const cards = await query(
    `SELECT metric, metric_label, service_line, week_start::VARCHAR AS week, value, centre_line, lower_limit, upper_limit,
            is_signal, signal_rule, is_improvement, signal_sentence, target, is_target_met
     FROM kpi_signals WHERE is_latest_mature_week ORDER BY service_line, metric`,
  );
  // Mature weeks only: a week whose referrals have not all had the time the metric counts is not drawn.
  // A series' centre line, limits and target are the same every week: the page takes them from its card.
  const series = await query(
    `WITH shown AS (SELECT metric, service_line, week_start AS shown_week FROM kpi_signals WHERE is_latest_mature_week)
     SELECT metric, service_line, week_start::VARCHAR AS week, round(value, 4) AS value, is_signal, is_improvement
     FROM kpi_signals JOIN shown USING (metric, service_line)
     WHERE is_mature AND week_start > shown_week - INTERVAL ${CHART_WEEKS} WEEK
     ORDER BY metric, service_line, week_start`,
  );
  // What changed: this week's signals (for a later stage, its latest mature week), one sentence each, in the mart's words.
  const changes = await query(
    `SELECT metric, service_line, week_start::VARCHAR AS week, signal_rule, is_improvement, signal_sentence
     FROM kpi_signals WHERE is_latest_mature_week AND is_signal ORDER BY service_line = 'all' DESC, service_line, metric`,
  );
  const references = await query(
    'SELECT benchmark_id, metric, specialty, service_line, value, unit, label, source, year, version FROM reference_benchmarks WHERE is_current ORDER BY metric, service_line, value',
  );
  const freshness = await query(
    `SELECT feed, state, is_stale, latest_arrival, strftime(last_arrived_at, '%Y-%m-%d %H:%M') AS last_arrived, record_time,
            strftime(newest_record_at, '%Y-%m-%d %H:%M') AS newest_record, strftime(stale_since, '%Y-%m-%d %H:%M') AS stale_since, stale_reason
     FROM feed_freshness ORDER BY feed`,
  );
  // A matured cohort: referrals received 30–120 days before as_of have had
  // time to move through the funnel, so drop-off is not just "not yet".
  const funnel = await query(
    `SELECT service_line,
       count(*) AS received, count(*) FILTER (WHERE in_scope) AS in_scope, count(*) FILTER (WHERE is_docs_complete) AS docs_complete,
       count(*) FILTER (WHERE is_contacted) AS contacted, count(*) FILTER (WHERE is_scheduled) AS scheduled,
       count(*) FILTER (WHERE is_completed) AS completed, count(*) FILTER (WHERE is_loop_closed) AS loop_closed
     FROM fct_referrals, config_params
     WHERE received_at BETWEEN config_params.as_of - INTERVAL 120 DAY AND config_params.as_of - INTERVAL 30 DAY
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
  const [lastRun] = await query(
    `SELECT run_id, job, status, strftime(finished_at, '%Y-%m-%d %H:%M') AS finished FROM runs WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT 1`,
  );
  return { asOf: params!.as_of, week: week.week, cards, series, changes, references, freshness, funnel, sourceMovers, lastRun: lastRun ?? null };
});
