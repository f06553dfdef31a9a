-- Grain: one row per (metric, service_line, week_start): the weeks drawn on This week's process-behaviour chart of each headline number.
--
-- A chart draws the mature weeks of kpi_signals (every referral of the week
-- has had the time the metric counts) among the 32 up to the week the page
-- shows the metric for (its latest mature week, that week included): the
-- latest 12 and the 20 baseline weeks before them. A week whose referrals
-- have not all had the time is not drawn. A series' centre line, limits and
-- target are the same every week: they are on its kpi_signals card row.
--
-- @column metric: The kpi_signals metric.
-- @column service_line: Service line id, or 'all' for the whole practice.
-- @column week_start: The ISO week, named by its Monday (local).
-- @column value: The metric for the week (kpi_signals.value), rounded to 4 decimals; null when not available.
-- @column is_signal: The week is a signal by one of the rules (kpi_signals.is_signal).
-- @column is_improvement: For a signal, whether it moved the better way (kpi_signals.is_improvement); null when no signal.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique metric, service_line, week_start
-- @not_null metric, service_line, week_start, is_signal
with shown as (
  select metric, service_line, week_start as shown_week
  from kpi_signals
  where is_latest_mature_week
),
charted as (
  select
    kpi_signals.metric,
    kpi_signals.service_line,
    kpi_signals.week_start,
    round(kpi_signals.value, 4) as value,
    kpi_signals.is_signal,
    kpi_signals.is_improvement
  from kpi_signals
  join shown using (metric, service_line)
  where kpi_signals.is_mature
    and kpi_signals.week_start > cast(shown.shown_week - interval '224' day as date)
),
stamped as (
  select charted.*, params.as_of, params.run_id
  from charted
  cross join config_params as params
)
select * from stamped
