-- Grain: one row per (service_line, stage), service_line 'all' included: the funnel of a matured cohort and where it leaks most.
--
-- The cohort: referrals received from funnel_cohort_from_days to
-- funnel_cohort_to_days before as_of (config funnel_cohort.from_days and
-- .to_days, default 120 and 30; config_thresholds), both ends included, so
-- most have had time to reach every stage and a drop is not just "not yet". The stages, in order: received, in_scope, docs_complete,
-- contacted, scheduled, completed, loop_closed (fct_referrals' flags). A
-- stage's lost count is the previous stage's referrals minus its own; the
-- largest drop of a line is the stage with the most lost (the earlier stage
-- on a tie), and only when the cohort received any. 'all' counts every
-- service line; every configured line has its rows, zero when it received
-- none. Aggregates only; no breakdown by a patient attribute.
--
-- @column service_line: Service line requested, or 'all'.
-- @column stage_order: The stage's place in the funnel, 1 = received.
-- @column stage: received, in_scope, docs_complete, contacted, scheduled, completed or loop_closed.
-- @column previous_stage: The stage before it; null for received.
-- @column referrals: Referrals of the cohort that reached the stage.
-- @column share_of_received: referrals / the cohort's received; 0 when it received none.
-- @column lost_count: The previous stage's referrals minus this stage's; null for received.
-- @column lost_share_of_received: lost_count / the cohort's received; null for received or when it received none.
-- @column is_largest_drop: The stage with the largest lost_count of its line (the earlier on a tie); false when the cohort received none.
-- @column cohort_start_date: The first day of the cohort (local date of as_of − funnel_cohort.from_days days).
-- @column cohort_end_date: The last day of the cohort (local date of as_of − funnel_cohort.to_days days).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique service_line, stage
-- @not_null service_line, stage_order, stage, referrals, share_of_received, is_largest_drop
-- @accepted_values stage: received, in_scope, docs_complete, contacted, scheduled, completed, loop_closed
with params as (
  select
    config_params.*,
    to_days(cast(config_thresholds.funnel_cohort_from_days as integer)) as cohort_from,
    to_days(cast(config_thresholds.funnel_cohort_to_days as integer)) as cohort_to
  from config_params
  cross join config_thresholds
),
cohort as (
  select fct_referrals.*
  from fct_referrals
  cross join params
  where fct_referrals.received_at between params.as_of - params.cohort_from and params.as_of - params.cohort_to
),
by_line as (
  select
    service_line,
    count(*) as received,
    count(*) filter (where in_scope) as in_scope,
    count(*) filter (where is_docs_complete) as docs_complete,
    count(*) filter (where is_contacted) as contacted,
    count(*) filter (where is_scheduled) as scheduled,
    count(*) filter (where is_completed) as completed,
    count(*) filter (where is_loop_closed) as loop_closed
  from cohort
  group by service_line
),
with_all as (
  select * from by_line
  union all
  select
    'all',
    coalesce(sum(received), 0), coalesce(sum(in_scope), 0), coalesce(sum(docs_complete), 0), coalesce(sum(contacted), 0),
    coalesce(sum(scheduled), 0), coalesce(sum(completed), 0), coalesce(sum(loop_closed), 0)
  from by_line
),
lines as (
  select service_line from with_all
  union
  select service_line from config_service_lines
),
stages as (
  select
    lines.service_line,
    stage.stage_order,
    stage.stage,
    coalesce(with_all.received, 0) as received,
    coalesce(
      case stage.stage
        when 'received' then with_all.received
        when 'in_scope' then with_all.in_scope
        when 'docs_complete' then with_all.docs_complete
        when 'contacted' then with_all.contacted
        when 'scheduled' then with_all.scheduled
        when 'completed' then with_all.completed
        when 'loop_closed' then with_all.loop_closed
      end,
      0
    ) as referrals
  from lines
  cross join (
    values (1, 'received'), (2, 'in_scope'), (3, 'docs_complete'), (4, 'contacted'), (5, 'scheduled'), (6, 'completed'), (7, 'loop_closed')
  ) as stage (stage_order, stage)
  left join with_all using (service_line)
),
drops as (
  select
    stages.*,
    lag(stage) over (partition by service_line order by stage_order) as previous_stage,
    lag(referrals) over (partition by service_line order by stage_order) - referrals as lost_count
  from stages
),
ranked as (
  select
    drops.*,
    received > 0 and lost_count is not null
      and row_number() over (partition by service_line order by lost_count is null, lost_count desc, stage_order) = 1 as is_largest_drop
  from drops
),
stamped as (
  select
    ranked.service_line,
    ranked.stage_order,
    ranked.stage,
    ranked.previous_stage,
    ranked.referrals,
    case when ranked.received > 0 then cast(ranked.referrals as double) / ranked.received else 0 end as share_of_received,
    ranked.lost_count,
    case when ranked.received > 0 then cast(ranked.lost_count as double) / ranked.received end as lost_share_of_received,
    ranked.is_largest_drop,
    local_date(params.as_of - params.cohort_from) as cohort_start_date,
    local_date(params.as_of - params.cohort_to) as cohort_end_date,
    params.as_of,
    params.run_id
  from ranked
  cross join params
)
select * from stamped
