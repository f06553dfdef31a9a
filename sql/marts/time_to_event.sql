-- Grain: one row per (event, cohort_month, service_line, days): a step of a Kaplan–Meier curve.
--
-- Time from receipt to first contact, to scheduling (fct_referrals.
-- first_scheduled_at: the first booking, or for an appointment without
-- booked_at the earlier of its start_at and its first load) and to the first
-- visit, for in-scope referrals that were not declined, by month
-- of receipt (local) and service line, plus 'all' lines. A referral that has
-- not reached the event by as_of is censored at as_of, so recent cohorts are
-- not made to look bad by referrals that simply have not had time yet. An
-- event recorded before receipt counts at day 0. The Kaplan–Meier estimate of
-- the share not yet reached after t days is the product over event times
-- t_j ≤ t of (1 − d_j / n_j), with d_j events at t_j and n_j referrals still
-- at risk just before it (censored ones leave the risk set after their time).
--
-- @column event: contact, scheduled or visit.
-- @column cohort_month: Month of receipt (its first day, local).
-- @column service_line: Service line, or 'all'.
-- @column days: Days since receipt (real elapsed time / 24 hours), rounded up to the whole hour, at this step.
-- @column at_risk_count: Referrals not yet reached and not yet censored just before this time.
-- @column events: Referrals that reached the event at this time.
-- @column censored_count: Referrals censored at this time (as_of came first).
-- @column share_not_yet: Kaplan–Meier estimate of the share not yet reached by this time.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique event, cohort_month, service_line, days
with params as (
  select * from config_params
),
eligible as (
  select
    f.*,
    cast(date_trunc('month', f.received_date) as date) as cohort_month,
    (epoch(params.as_of) - epoch(f.received_at)) / 86400.0 as days_observed
  from fct_referrals as f, params
  where f.in_scope and not f.declined
),
durations as (
  select 'contact' as event, cohort_month, service_line, first_contact_at as reached_at, received_at, days_observed from eligible
  union all
  select 'scheduled', cohort_month, service_line, first_scheduled_at, received_at, days_observed from eligible
  union all
  select 'visit', cohort_month, service_line, completed_visit_at, received_at, days_observed from eligible
),
timed as (
  select
    event, cohort_month, service_line,
    case when reached_at is not null then greatest(0, (epoch(reached_at) - epoch(received_at)) / 86400.0) else days_observed end as days,
    reached_at is not null as is_event
  from durations
),
line_steps as (
  -- Times go up to the whole hour: the curves are read in hours and days, and a
  -- step per referral (2.5 M rows at 1M referrals) cost more than the rest of a mart.
  select event, cohort_month, service_line, ceil(days * 24) / 24 as days,
    count(*) filter (where is_event) as events,
    count(*) filter (where not is_event) as censored_count
  from timed
  group by event, cohort_month, service_line, ceil(days * 24) / 24
),
steps as (
  -- 'all' adds up the lines' steps: the same counts as grouping every referral again, out of far fewer rows.
  select * from line_steps
  union all
  select event, cohort_month, 'all' as service_line, days,
    cast(sum(events) as bigint) as events,
    cast(sum(censored_count) as bigint) as censored_count
  from line_steps
  group by event, cohort_month, days
),
risk_sets as (
  select
    *,
    sum(events + censored_count) over (partition by event, cohort_month, service_line order by days desc rows between unbounded preceding and current row) as at_risk_count
  from steps
),
survival as (
  select
    *,
    -- Product of (1 − d/n) as exp(sum(log)); a step where everyone left reaches 0.
    case
      when max(case when events = at_risk_count then 1 else 0 end) over running = 1 then 0
      else exp(sum(case when events > 0 and events < at_risk_count then ln(1 - cast(events as double) / at_risk_count) else 0 end) over running)
    end as share_not_yet
  from risk_sets
  window running as (partition by event, cohort_month, service_line order by days rows between unbounded preceding and current row)
)
select survival.event, survival.cohort_month, survival.service_line, survival.days, survival.at_risk_count, survival.events, survival.censored_count, survival.share_not_yet,
  params.as_of, params.run_id
from survival
cross join params
