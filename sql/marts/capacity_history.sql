-- Grain: one row per (service_line, week), service_line 'all' included: referrals received in each complete week of the last year, the history Capacity draws before its forecast.
--
-- The weeks are the complete Monday–Sunday weeks (kpi_weekly's
-- is_complete_week) among the 52 up to kpi_weekly's latest week, that week
-- included. Capacity shows the lines it forecasts; a line without a forecast
-- has its rows here too.
--
-- @column service_line: Service line, or 'all' for the whole practice.
-- @column week: The week received (its Monday, local).
-- @column referrals: Referrals received that week (kpi_weekly's referrals).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique service_line, week
-- @not_null service_line, week, referrals
with latest as (
  select max(week) as week from kpi_weekly
),
history as (
  select kpi_weekly.service_line, kpi_weekly.week, kpi_weekly.value as referrals
  from kpi_weekly
  cross join latest
  where kpi_weekly.metric = 'referrals'
    and kpi_weekly.is_complete_week
    and kpi_weekly.week > cast(latest.week - interval '364' day as date)
),
stamped as (
  select history.*, params.as_of, params.run_id
  from history
  cross join config_params as params
)
select * from stamped
