-- Grain: one row per (week, service_line, metric); service_line 'all' is the practice overall.
--
-- The leaders' weekly numbers, each for the referrals received that week (a
-- cohort). Every week from the first referral to the week of as_of is
-- present, with zero counts where nothing arrived. last_week is the same
-- metric the week before; avg_previous_4_weeks is the mean of the four weeks
-- before this one (this week excluded, so the change compares the week with
-- its recent baseline).
--
-- This week is the last complete Monday–Sunday week before as_of (its Sunday
-- had ended at as_of). Later stages are counted at a fixed age, so weeks are
-- compared at equal age: scheduled and seen within 14 days of receipt, loop
-- closed within 30, the contact SLA once the longest SLA has passed. A week's
-- value of such a metric is final once every referral of it has had that
-- long (is_mature); before then a young cohort would read as a drop, so the
-- dashboard shows each metric for its latest mature week
-- (is_latest_mature_week), which for counts known at receipt is this week.
-- Windows are N × 24 hours of real time, boundary included.
-- referrals, in_scope, contact_sla_met and contact_sla_met_rate are
-- funnel_weekly's counts (summed over the lines for 'all'), so the SLA's
-- met / due is computed in one place.
--
-- @column week: The ISO week, named by its Monday (local).
-- @column service_line: Service line, or 'all' for the whole practice.
-- @column metric: referrals, in_scope, contact_sla_met (the count of referrals whose contact_sla_met is true), contact_sla_met_rate, median_hours_to_contact, scheduled_within_14_days, seen_within_14_days, loop_closed_within_30_days, loop_closure_rate (of the referrals seen within 30 days of receipt, the share whose referrer was sent the summary within 30 days) or median_days_to_appointment.
-- @column value: The metric for the referrals received that week (null for a rate or median with nothing to measure).
-- @column last_week: The same metric the week before.
-- @column avg_previous_4_weeks: The mean of the metric over the four weeks before this one.
-- @column change_vs_last_week: value - last_week.
-- @column change_vs_previous_4_weeks: value - avg_previous_4_weeks.
-- @column is_complete_week: The week had ended at as_of.
-- @column mature_after_days: Days after receipt the metric counts: 0 for counts known at receipt, 14 or 30 for later stages, the longest contact SLA (in whole days) for the SLA.
-- @column is_mature: Every referral of the week had been received at least mature_after_days before as_of, so the value is final and compares with earlier weeks at equal age.
-- @column is_this_week: The week is the last complete Monday–Sunday week before as_of.
-- @column is_latest_mature_week: The latest mature week of the metric and service line: the week the dashboard shows it for (this week for counts known at receipt).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique week, service_line, metric
-- @not_null week, service_line, metric, mature_after_days, is_mature, is_this_week, is_latest_mature_week
-- @accepted_values metric: referrals, in_scope, contact_sla_met, contact_sla_met_rate, median_hours_to_contact, scheduled_within_14_days, seen_within_14_days, loop_closed_within_30_days, loop_closure_rate, median_days_to_appointment
with params as (
  select * from config_params
),
referrals as (
  select * from fct_referrals
),
longest_sla as (
  select cast(ceil(max(sla_hours) / 24) as integer) as days
  from (
    select sla_hours from config_contact_sla
    union all
    select sla_hours from config_default_contact_sla
  )
),
ages as (
  select metric, age_days
  from (values
    ('referrals', 0), ('in_scope', 0),
    ('median_hours_to_contact', 14), ('scheduled_within_14_days', 14), ('seen_within_14_days', 14), ('median_days_to_appointment', 14),
    ('loop_closed_within_30_days', 30), ('loop_closure_rate', 30)
  ) as fixed(metric, age_days)
  union all
  select sla_metric.metric, coalesce(longest_sla.days, 0)
  from longest_sla, (values ('contact_sla_met'), ('contact_sla_met_rate')) as sla_metric(metric)
),
weekly as (
  select
    received_week as week,
    case when grouping(service_line) = 1 then 'all' else service_line end as service_line,
    cast(median(hours_to_contact) filter (where hours_to_contact <= 14 * 24) as double) as median_hours_to_contact,
    cast(count(*) filter (where first_scheduled_at <= received_at + to_hours(14 * 24)) as double) as scheduled_within_14_days,
    cast(count(*) filter (where completed_visit_at <= received_at + to_hours(14 * 24)) as double) as seen_within_14_days,
    cast(count(*) filter (where loop_closed_at <= received_at + to_hours(30 * 24)) as double) as loop_closed_within_30_days,
    cast(count(*) filter (where loop_closed_at <= received_at + to_hours(30 * 24)) as double) / nullif(count(*) filter (where completed_visit_at <= received_at + to_hours(30 * 24)), 0) as loop_closure_rate,
    cast(median(days_to_appointment) filter (where first_scheduled_at <= received_at + to_hours(14 * 24)) as double) as median_days_to_appointment
  from referrals
  group by grouping sets ((received_week, service_line), (received_week))
),
funnel as (
  -- funnel_weekly already holds these counts: reading them there keeps the SLA's met / due in one place.
  select
    received_week as week,
    case when grouping(service_line) = 1 then 'all' else service_line end as service_line,
    cast(sum(referrals) as double) as referrals,
    cast(sum(in_scope) as double) as in_scope,
    cast(sum(contact_sla_met) as double) as contact_sla_met,
    cast(sum(contact_sla_met) as double) / nullif(sum(contact_sla_due), 0) as contact_sla_met_rate
  from funnel_weekly
  group by grouping sets ((received_week, service_line), (received_week))
),
weeks as (
  select cast(unnest(range(min(referrals.received_week), cast(date_trunc('week', local_date(params.as_of)) as date) + 1, interval '7' day)) as date) as week
  from referrals, params
  group by params.as_of
),
lines as (
  select distinct service_line from weekly
),
spine as (
  select weeks.week, lines.service_line from weeks cross join lines
),
filled as (
  select
    spine.week,
    spine.service_line,
    coalesce(funnel.referrals, 0) as referrals,
    coalesce(funnel.in_scope, 0) as in_scope,
    coalesce(funnel.contact_sla_met, 0) as contact_sla_met,
    funnel.contact_sla_met_rate,
    weekly.median_hours_to_contact,
    coalesce(weekly.scheduled_within_14_days, 0) as scheduled_within_14_days,
    coalesce(weekly.seen_within_14_days, 0) as seen_within_14_days,
    coalesce(weekly.loop_closed_within_30_days, 0) as loop_closed_within_30_days,
    weekly.loop_closure_rate,
    weekly.median_days_to_appointment
  from spine
  left join weekly on weekly.week = spine.week and weekly.service_line = spine.service_line
  left join funnel on funnel.week = spine.week and funnel.service_line = spine.service_line
),
long as (
  -- A week with no rate or median keeps its row (value null), so last_week is always the week before.
  select week, service_line, metric, value
  from filled
  unpivot include nulls (value for metric in (
    referrals, in_scope, contact_sla_met, contact_sla_met_rate, median_hours_to_contact,
    scheduled_within_14_days, seen_within_14_days, loop_closed_within_30_days, loop_closure_rate, median_days_to_appointment
  ))
),
compared as (
  select
    long.week,
    long.service_line,
    long.metric,
    long.value,
    lag(long.value) over by_week as last_week,
    avg(long.value) over (by_week rows between 4 preceding and 1 preceding) as avg_previous_4_weeks
  from long
  window by_week as (partition by long.service_line, long.metric order by long.week)
),
aged as (
  select
    compared.*,
    ages.age_days as mature_after_days,
    compared.week + 7 <= local_date(params.as_of) as is_complete_week,
    -- The week's last referral came before its Sunday ended: it is N days old once as_of - N × 24 h falls on or after the Monday after.
    local_date(params.as_of - to_hours(ages.age_days * 24)) >= compared.week + 7 as is_mature,
    compared.week = cast(date_trunc('week', local_date(params.as_of)) as date) - 7 as is_this_week
  from compared
  join ages on ages.metric = compared.metric
  cross join params
),
final as (
  select
    week,
    service_line,
    metric,
    value,
    last_week,
    avg_previous_4_weeks,
    value - last_week as change_vs_last_week,
    value - avg_previous_4_weeks as change_vs_previous_4_weeks,
    is_complete_week,
    mature_after_days,
    is_mature,
    is_this_week,
    coalesce(week = max(week) filter (where is_mature) over (partition by service_line, metric), false) as is_latest_mature_week
  from aged
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
