-- Grain: one row per (week, service_line, metric); service_line 'all' is the practice overall.
--
-- The leaders' weekly numbers, each for the referrals received that week (a
-- cohort: later stages keep filling in as those referrals progress, so the
-- most recent weeks are not yet mature). Every week from the first referral
-- to the week of as_of is present, with zero counts where nothing arrived.
-- last_week is the same metric the week before; avg_previous_4_weeks is the
-- mean of the four weeks before this one (this week excluded, so the change
-- compares the week with its recent baseline). A week is complete once its
-- Sunday has ended before as_of.
--
-- @column week: The ISO week, named by its Monday (local).
-- @column service_line: Service line, or 'all' for the whole practice.
-- @column metric: referrals, in_scope, contacted_within_sla, contact_sla_met_rate, scheduled, completed, loop_closed, median_hours_to_contact or median_days_to_appointment.
-- @column value: The metric for the referrals received that week.
-- @column last_week: The same metric the week before.
-- @column avg_previous_4_weeks: The mean of the metric over the four weeks before this one.
-- @column change_vs_last_week: value - last_week.
-- @column change_vs_previous_4_weeks: value - avg_previous_4_weeks.
-- @column is_complete_week: The week had ended at as_of.
-- @unique week, service_line, metric
-- @not_null week, service_line, metric
with params as (
  select * from config_params
),
referrals as (
  select * from fct_referrals
),
weekly as (
  select
    received_week as week,
    coalesce(service_line, 'all') as service_line,
    count(*)::double as referrals,
    count(*) filter (where in_scope)::double as in_scope,
    count(*) filter (where contact_sla_met)::double as contacted_within_sla,
    count(*) filter (where contact_sla_met) / nullif(count(contact_sla_met), 0) as contact_sla_met_rate,
    count(*) filter (where is_scheduled)::double as scheduled,
    count(*) filter (where is_completed)::double as completed,
    count(*) filter (where is_loop_closed)::double as loop_closed,
    median(hours_to_contact)::double as median_hours_to_contact,
    median(days_to_appointment)::double as median_days_to_appointment
  from referrals
  group by grouping sets ((received_week, service_line), (received_week))
),
weeks as (
  select cast(unnest(range(min(referrals.received_week), cast(date_trunc('week', local_date(params.as_of)) as date) + 1, interval 7 day)) as date) as week
  from referrals, params
  group by params.as_of, params.timezone
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
    coalesce(weekly.referrals, 0) as referrals,
    coalesce(weekly.in_scope, 0) as in_scope,
    coalesce(weekly.contacted_within_sla, 0) as contacted_within_sla,
    weekly.contact_sla_met_rate,
    coalesce(weekly.scheduled, 0) as scheduled,
    coalesce(weekly.completed, 0) as completed,
    coalesce(weekly.loop_closed, 0) as loop_closed,
    weekly.median_hours_to_contact,
    weekly.median_days_to_appointment
  from spine
  left join weekly on weekly.week = spine.week and weekly.service_line = spine.service_line
),
long as (
  unpivot filled
  on referrals, in_scope, contacted_within_sla, contact_sla_met_rate, scheduled, completed, loop_closed, median_hours_to_contact, median_days_to_appointment
  into name metric value value
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
final as (
  select
    compared.*,
    compared.value - compared.last_week as change_vs_last_week,
    compared.value - compared.avg_previous_4_weeks as change_vs_previous_4_weeks,
    compared.week + 7 <= local_date(params.as_of) as is_complete_week
  from compared, params
)
select * from final
