-- Grain: one row per (liaison, measure, period): each liaison's panel this month, quarter and year so far, against the same days last year and the liaison's goal.
--
-- A liaison's panel is the referrers the directory assigns them
-- (referrers.liaison). The periods are the calendar month, quarter and year
-- holding the last day before as_of (local), each from its first day up to
-- as_of: the period so far. Last year is the same days a year earlier. The
-- measures: referrals (received in those days, from the panel) and visits
-- (completed first visits, fct_referrals.completed_visit_at, in those days,
-- of the panel's referrals).
--
-- A goal (config liaisons.<name>.goals.<measure>.<period>) is for the whole
-- period; its pace so far is goal × the share of the period's days gone.
-- Ahead: the period so far is at least 10% above that pace; Behind: at least
-- 10% below it; On track between. No goal, or no day gone yet: no pace.
--
-- @column liaison: The outreach team member (as the directory names them).
-- @column measure: referrals or visits.
-- @column period: month, quarter or year.
-- @column period_start: The period's first day (local).
-- @column period_end: The period's last day (local).
-- @column days_elapsed: Days of the period before as_of (local).
-- @column panel_referrer_count: Referrers on the liaison's panel.
-- @column value: The measure for the period so far.
-- @column last_year_value: The measure for the same days a year earlier.
-- @column change_vs_last_year: (value − last_year_value) / last_year_value; null when last year had none.
-- @column goal: The liaison's goal for the whole period (config); null without one.
-- @column goal_to_date: goal × days_elapsed / the period's days: where the pace stands today; null without a goal.
-- @column pace: Ahead, On track or Behind against goal_to_date; null without a goal or before the period's first day has passed.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique liaison, measure, period
-- @not_null liaison, measure, period, period_start, period_end, days_elapsed, panel_referrer_count, value, last_year_value
with params as (
  select config_params.as_of, config_params.run_id, local_date(config_params.as_of) as today
  from config_params
),
periods as (
  select
    kind.period,
    cast(date_trunc(kind.period, params.today - 1) as date) as period_start,
    cast(date_trunc(kind.period, params.today - 1) + case kind.period when 'month' then interval '1' month when 'quarter' then interval '3' month else interval '1' year end as date) as period_next,
    params.today
  from params
  cross join (values ('month'), ('quarter'), ('year')) as kind(period)
),
panels as (
  select liaison, source from referrers where liaison is not null and source <> 'unknown'
),
panel_sizes as (
  select liaison, count(*) as panel_referrer_count from panels group by liaison
),
events as (
  -- Each referral of a panel as its two measures: received, and its completed
  -- first visit; counted per local day before the periods are cut, so the
  -- period join meets a few thousand days, not every referral three times.
  select panels.liaison, 'referrals' as measure, local_date(fct_referrals.received_at) as on_date, count(*) as event_count
  from fct_referrals join panels using (source)
  group by 1, 2, 3
  union all
  select panels.liaison, 'visits' as measure, local_date(fct_referrals.completed_visit_at) as on_date, count(*) as event_count
  from fct_referrals join panels using (source)
  where fct_referrals.completed_visit_at is not null
  group by 1, 2, 3
),
grid as (
  select panel_sizes.liaison, panel_sizes.panel_referrer_count, measures.measure, periods.*
  from panel_sizes
  cross join (values ('referrals'), ('visits')) as measures(measure)
  cross join periods
),
counted as (
  select
    grid.liaison,
    grid.measure,
    grid.period,
    cast(coalesce(sum(events.event_count) filter (where events.on_date >= grid.period_start and events.on_date < grid.today), 0) as bigint) as value,
    cast(coalesce(sum(events.event_count) filter (
      where events.on_date >= cast(grid.period_start - interval '1' year as date) and events.on_date < cast(grid.today - interval '1' year as date)
    ), 0) as bigint) as last_year_value
  from grid
  left join events on events.liaison = grid.liaison and events.measure = grid.measure
  group by grid.liaison, grid.measure, grid.period
),
paced as (
  select
    grid.liaison,
    grid.measure,
    grid.period,
    grid.period_start,
    grid.period_next - 1 as period_end,
    grid.today - grid.period_start as days_elapsed,
    grid.period_next - grid.period_start as period_days,
    grid.panel_referrer_count,
    counted.value,
    counted.last_year_value,
    config_liaison_goals.goal
  from grid
  join counted using (liaison, measure, period)
  left join config_liaison_goals
    on config_liaison_goals.liaison = grid.liaison and config_liaison_goals.measure = grid.measure and config_liaison_goals.period = grid.period
)
select
  liaison, measure, period, period_start, period_end, days_elapsed, panel_referrer_count, value, last_year_value,
  case when last_year_value = 0 then null else cast(value - last_year_value as double) / last_year_value end as change_vs_last_year,
  goal,
  goal * days_elapsed / period_days as goal_to_date,
  case
    when goal is null or days_elapsed = 0 then null
    when value >= 1.1 * goal * days_elapsed / period_days then 'Ahead'
    when value <= 0.9 * goal * days_elapsed / period_days then 'Behind'
    else 'On track'
  end as pace,
  params.as_of,
  params.run_id
from paced
cross join params
