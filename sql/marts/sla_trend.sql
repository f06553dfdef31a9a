-- Grain: one row per (week, service_line), service_line 'all' included: the share contacted within the SLA, week by week of receipt, for the Intake trend.
--
-- The weeks are the mature weeks of kpi_weekly's contact_sla_met_rate (every
-- referral of the week is past the longest SLA, so the last point is not a
-- young week's partial verdicts) among the 104 weeks up to this week (the
-- last complete Monday–Sunday week before as_of), with a value (a week with
-- no in-scope referral to judge has none).
--
-- @column week: The week received (its Monday, local).
-- @column service_line: Service line, or 'all' for the whole practice.
-- @column rate: Share of the week's in-scope referrals contacted within their SLA (kpi_weekly's contact_sla_met_rate).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique week, service_line
-- @not_null week, service_line, rate
with this_week as (
  select max(week) as week from kpi_weekly where is_this_week
),
trend as (
  select kpi_weekly.week, kpi_weekly.service_line, kpi_weekly.value as rate
  from kpi_weekly
  cross join this_week
  where kpi_weekly.metric = 'contact_sla_met_rate'
    and kpi_weekly.is_mature
    and kpi_weekly.value is not null
    and kpi_weekly.week > cast(this_week.week - interval '728' day as date)
),
stamped as (
  select trend.*, params.as_of, params.run_id
  from trend
  cross join config_params as params
)
select * from stamped
