-- Grain: one row per (event, cohort_month, service_line): the median and 90th percentile time to the event.
--
-- From the Kaplan–Meier curves in time_to_event: the median is the first time
-- the share not yet reached falls to 50% or below, the 90th percentile the
-- first time it falls to 10% or below; null when the curve (censored at
-- as_of) has not got there yet, which is itself the answer for a young cohort.
--
-- @column event: contact, scheduled or visit.
-- @column cohort_month: Month of receipt (its first day, local).
-- @column service_line: Service line, or 'all'.
-- @column referrals: Referrals in the cohort (in scope, not declined).
-- @column reached_count: Of them, those that reached the event by as_of.
-- @column median_days: Kaplan–Meier median days to the event; null if not reached by half yet.
-- @column p90_days: Days by which 90% reached the event (Kaplan–Meier); null if not yet.
-- @column share_reached_by_as_of: One minus the last point of the curve.
-- @column is_last_12_months: The cohort month is one of the 12 up to the latest cohort month of the mart, that month included: the months Capacity shows.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique event, cohort_month, service_line
with curves as (
  select * from time_to_event
),
summary as (
  select
    event, cohort_month, service_line,
    sum(events + censored_count) as referrals,
    sum(events) as reached_count,
    min(days) filter (where share_not_yet <= 0.5) as median_days,
    min(days) filter (where share_not_yet <= 0.1) as p90_days,
    1 - max_by(share_not_yet, days) as share_reached_by_as_of
  from curves
  group by all
),
stamped as (
  select
    summary.*,
    summary.cohort_month > cast(max(summary.cohort_month) over () - interval '12' month as date) as is_last_12_months,
    params.as_of,
    params.run_id
  from summary
  cross join config_params as params
)
select * from stamped
