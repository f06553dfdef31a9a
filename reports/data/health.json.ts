// Data health: each feed's freshness as the feed_freshness mart judges it (by
// its latest arrival and by its newest record: which feed, why, since when),
// runs, the latest arrival and row accounting per source and feed,
// quarantine and data-quality issues by reason, and the last checks.
import { arrivalsSql } from '../../src/site/arrivals.ts';
import { runLoader } from '../../src/site/loader.ts';

await runLoader('health', async (_select, query) => {
  // A snapshot set published before feed_freshness existed has no judgement to show (the page says so).
  const [hasFreshness] = await query<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = 'feed_freshness'");
  const freshness = hasFreshness?.n
    ? await query(
        `SELECT feed, state, is_stale, latest_arrival, strftime(last_arrived_at, '%Y-%m-%d %H:%M') AS last_arrived, round(hours_since_arrival)::INTEGER AS hours_since_arrival,
                record_time, strftime(newest_record_at, '%Y-%m-%d %H:%M') AS newest_record, round(hours_since_newest_record)::INTEGER AS hours_since_newest_record,
                warn_hours, error_hours, CASE WHEN record_time IS NULL THEN NULL ELSE data_warn_hours END AS data_warn_hours,
                CASE WHEN record_time IS NULL THEN NULL ELSE data_error_hours END AS data_error_hours, arrival_state, data_state,
                strftime(stale_since, '%Y-%m-%d %H:%M') AS stale_since, stale_reason, strftime(as_of, '%Y-%m-%d %H:%M') AS as_of
         FROM feed_freshness ORDER BY is_stale DESC, feed`,
      )
    : [];
  const runs = await query(
    `SELECT run_id, job, trigger, strftime(started_at, '%Y-%m-%d %H:%M') AS started, round(epoch(finished_at) - epoch(started_at), 1) AS seconds,
            status, files, files_refused, rows_read, rows_loaded, rows_quarantined, checks_failed, error
     FROM runs ORDER BY run_id DESC LIMIT 20`,
  );
  // A feed's latest file is its latest arrival, a re-delivery of content already loaded included; the row accounting is of the files loaded.
  const feeds = await query(
    `WITH latest AS (
       SELECT source, kind, arg_max(arrival, (arrived_at, arrival)) AS latest_file, strftime(max(arrived_at), '%Y-%m-%d %H:%M') AS last_loaded,
              count(*) FILTER (WHERE is_redelivery) AS redelivered
       FROM ${await arrivalsSql(query)} GROUP BY ALL
     )
     SELECT source, kind, count(*) AS files, latest_file, last_loaded,
            sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_skipped) AS rows_skipped, sum(rows_quarantined) AS rows_quarantined,
            bool_and(rows_read = rows_loaded + rows_skipped + rows_quarantined) AS adds_up, redelivered
     FROM ingested_files JOIN latest USING (source, kind) GROUP BY ALL ORDER BY source, kind`,
  );
  const skipped = await query(
    `SELECT ingested_files.source, skipped_rows.rule, sum(skipped_rows.rows) AS rows, count(DISTINCT skipped_rows.file) AS files
     FROM skipped_rows JOIN ingested_files USING (file, kind) GROUP BY ALL ORDER BY rows DESC`,
  );
  const issues = await query('SELECT issue, feed, detail, rows, what_it_means FROM data_quality ORDER BY rows DESC');
  const checks = await query(
    `SELECT check_name, model, severity, failing_rows, passed, what_to_do FROM check_results
     WHERE run_id = (SELECT max(run_id) FROM check_results) ORDER BY passed, severity, check_name`,
  );
  return { freshness, runs, feeds, skipped, issues, checks };
});
