-- Grain: one row per (metric, service_line, week_start): every complete week of the weekly headline numbers of kpi_weekly.
--
-- The headline numbers as XmR (process-behaviour) charts, as NHS England's
-- "Making Data Count" reads them: a week's number is a signal only when it is
-- unlikely to be week-to-week noise, instead of a red or green arrow for
-- every change against last week.
--
-- Which weeks: the complete weeks of each (metric, service line). A later
-- stage (scheduled or seen within 14 days, loop closed within 30, the SLA) is
-- final only once every referral of its week has had that long (kpi_weekly's
-- is_mature); a week not yet mature keeps its row but takes no part in the
-- limits or the rules and is never a signal.
--
-- The limits: the baseline is the 20 mature weeks before the latest 12
-- mature weeks (Making Data Count asks for at least 15–20 points); the latest
-- 12 are left out so that a change in the last quarter is judged against the
-- half year before it instead of moving its own limits. The baseline slides
-- one week each week, so a lasting change becomes the new normal once it is
-- in it. With fewer than 32 mature weeks the baseline is the first 20 (or as
-- many as there are). Weeks with no value (a rate or median with nothing to
-- measure) are left out; fewer than 12 valued baseline weeks give no limits
-- and no signals (not enough history). centre_line is the baseline's mean;
-- the moving ranges are the differences between consecutive baseline weeks;
-- the natural process limits are centre ± 2.66 × their mean. A limit beyond
-- what a value can take is shown at the bound (0, and 100% for a rate): no
-- value can pass it, so no signal changes.
--
-- The rules, on every mature week with a value, against the limits:
--   beyond_limits: the value is above upper_limit or below lower_limit
--   (strictly: a value on a limit is inside);
--   run_above / run_below: the week is the 7th or later of weeks in a row
--   strictly above (below) the centre line; a week on the line or without a
--   value ends the run;
--   trend_up / trend_down: the week is the 6th or later of weeks in a row,
--   each higher (lower) than the one before; an equal or missing value ends
--   the trend.
-- A line the practice does not offer (in kpi_weekly because referrals named
-- it, but not a configured service line) is never a signal: its referrals are
-- out of scope, and more or fewer of them is neither good nor bad news.
-- When several rules hold, signal_rule names the first in that order. Whether
-- a signal is good news depends on the metric (fewer days to an appointment
-- is better): is_improvement says which.
--
-- Targets (config targets, table config_targets) are judged on the same
-- rows: is_target_met is true when the value meets the target in the better
-- direction (boundary included), null when there is no value or no target.
--
-- @column metric: The kpi_weekly metric: referrals, in_scope, contact_sla_met_rate, median_hours_to_contact, scheduled_within_14_days, seen_within_14_days, loop_closed_within_30_days, loop_closure_rate or median_days_to_appointment (contact_sla_met, the count behind the SLA rate, is left out).
-- @column metric_label: The metric as the dashboard names it.
-- @column service_line: Service line id, or 'all' for the whole practice (as in kpi_weekly).
-- @column week_start: The ISO week, named by its Monday (local).
-- @column value: The metric for the referrals received that week; null when it cannot be computed (not available), never 0 in its place.
-- @column is_mature: Every referral of the week has had the time the metric counts (kpi_weekly.is_mature): only mature weeks count in the limits and the rules.
-- @column is_baseline: The week is one of the baseline weeks the limits are computed from.
-- @column centre_line: The mean of the baseline weeks' values; null without enough history (fewer than 12 valued baseline weeks).
-- @column lower_limit: The lower natural process limit, centre_line - 2.66 × the mean moving range of the baseline (at least 0).
-- @column upper_limit: The upper natural process limit, centre_line + 2.66 × the mean moving range of the baseline (at most 1 for a rate).
-- @column is_signal: The week is a signal by one of the rules (false when it is not, is not mature, there are no limits, or the line is not one the practice offers).
-- @column signal_rule: beyond_limits, run_above, run_below, trend_up or trend_down; null when the week is no signal.
-- @column is_improvement: For a signal, whether it moved the better way for the metric (up for counts and rates, down for hours and days); null when no signal.
-- @column signal_sentence: One sentence saying what the signal is, with its numbers; null where nothing changed.
-- @column target: The practice's target for the metric (config targets); null when it has none.
-- @column is_target_met: The value meets the target in the better direction, boundary included; null when there is no value or no target.
-- @column is_this_week: The week is the last complete Monday–Sunday week before as_of.
-- @column is_latest_mature_week: The latest mature week of the metric and service line: the week This week shows it for (this week for counts known at receipt).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique metric, service_line, week_start
-- @not_null metric, service_line, week_start, is_mature, is_baseline, is_signal, is_this_week, is_latest_mature_week
-- @accepted_values signal_rule: beyond_limits, run_above, run_below, trend_up, trend_down
with params as (
  select * from config_params
),
metrics as (
  -- The headline numbers, how a sentence writes each, and which way is better.
  select * from (values
    ('referrals', 'Referrals received', 'count', true),
    ('in_scope', 'Referrals in scope', 'count', true),
    ('contact_sla_met_rate', 'Contacted within SLA', 'rate', true),
    ('median_hours_to_contact', 'Median hours to contact', 'hours', false),
    ('scheduled_within_14_days', 'Scheduled within 14 days', 'count', true),
    ('seen_within_14_days', 'Seen within 14 days', 'count', true),
    ('loop_closed_within_30_days', 'Loop closed within 30 days', 'count', true),
    ('loop_closure_rate', 'Loop closure rate (seen, summary sent within 30 days)', 'rate', true),
    ('median_days_to_appointment', 'Median days to appointment', 'days', false)
  ) as m(metric, metric_label, unit, is_higher_better)
),
weeks as (
  select
    kpi_weekly.metric,
    kpi_weekly.service_line,
    kpi_weekly.week as week_start,
    kpi_weekly.value,
    kpi_weekly.is_mature,
    kpi_weekly.is_this_week,
    kpi_weekly.is_latest_mature_week
  from kpi_weekly
  join metrics using (metric)
  where kpi_weekly.is_complete_week
),
numbered as (
  -- Mature weeks numbered back (latest first) and on (first first).
  select
    weeks.*,
    case when is_mature then row_number() over (partition by metric, service_line, is_mature order by week_start desc) end as weeks_back,
    case when is_mature then row_number() over (partition by metric, service_line, is_mature order by week_start) end as weeks_on,
    count(*) filter (where is_mature) over (partition by metric, service_line) as mature_weeks
  from weeks
),
baseline_marked as (
  select
    numbered.*,
    is_mature and value is not null and (
      case when mature_weeks >= 12 + 20 then weeks_back between 12 + 1 and 12 + 20 else weeks_on <= 20 end
    ) as is_baseline
  from numbered
),
moving_ranges as (
  select metric, service_line, value, abs(value - lag(value) over (partition by metric, service_line order by week_start)) as moving_range
  from baseline_marked
  where is_baseline
),
limits as (
  select
    metric,
    service_line,
    avg(value) as centre_line,
    avg(moving_range) as mean_moving_range
  from moving_ranges
  group by metric, service_line
  having count(value) >= 12
),
judged as (
  select
    baseline_marked.*,
    limits.centre_line,
    limits.centre_line - 2.66 * limits.mean_moving_range as raw_lower,
    limits.centre_line + 2.66 * limits.mean_moving_range as raw_upper,
    -- Side of the centre line and direction since the week before, over the mature weeks only (null ends a run).
    case when not baseline_marked.is_mature then null else sign(baseline_marked.value - limits.centre_line) end as side,
    case when not baseline_marked.is_mature then null
      else sign(baseline_marked.value - lag(baseline_marked.value) over mature_series) end as step,
    lag(baseline_marked.value) over mature_series as previous_value
  from baseline_marked
  left join limits using (metric, service_line)
  window mature_series as (partition by baseline_marked.metric, baseline_marked.service_line, baseline_marked.is_mature order by baseline_marked.week_start)
),
grouped as (
  -- Gaps and islands: weeks in a row with the same side (or step) share a group.
  select
    judged.*,
    row_number() over (partition by metric, service_line, is_mature order by week_start)
      - row_number() over (partition by metric, service_line, is_mature, side order by week_start) as side_group,
    row_number() over (partition by metric, service_line, is_mature order by week_start)
      - row_number() over (partition by metric, service_line, is_mature, step order by week_start) as step_group
  from judged
),
runs as (
  select
    grouped.*,
    case when side in (-1, 1) then row_number() over (partition by metric, service_line, is_mature, side, side_group order by week_start) end as run_length,
    case when step in (-1, 1) then row_number() over (partition by metric, service_line, is_mature, step, step_group order by week_start) end as trend_steps,
    case when step in (-1, 1) then first_value(previous_value) over (partition by metric, service_line, is_mature, step, step_group order by week_start) end as trend_from,
    case when step in (-1, 1) then first_value(week_start) over (partition by metric, service_line, is_mature, step, step_group order by week_start) - 7 end as trend_from_week
  from grouped
),
ruled as (
  select
    runs.*,
    case
      when not is_mature or value is null or centre_line is null then null
      when runs.service_line <> 'all' and runs.service_line not in (select service_line from config_service_lines) then null
      when value > raw_upper or value < raw_lower then 'beyond_limits'
      when run_length >= 7 and side = 1 then 'run_above'
      when run_length >= 7 and side = -1 then 'run_below'
      when trend_steps >= 5 and step = 1 then 'trend_up'
      when trend_steps >= 5 and step = -1 then 'trend_down'
    end as signal_rule
  from runs
),
worded as (
  select
    ruled.*,
    metrics.metric_label,
    metrics.unit,
    metrics.is_higher_better,
    case when ruled.service_line = 'all' then 'all service lines' else coalesce(config_service_lines.name, ruled.service_line) end as line_name,
    'the week of ' || strftime(ruled.week_start, '%-d %b %Y') as week_name,
    case when ruled.signal_rule is null then null
      when ruled.signal_rule = 'beyond_limits' then ruled.value > ruled.raw_upper
      when ruled.signal_rule in ('run_above', 'trend_up') then true
      else false
    end as went_up
  from ruled
  join metrics using (metric)
  left join config_service_lines on config_service_lines.service_line = ruled.service_line
),
formatted as (
  -- Numbers in a sentence: counts whole, rates in percent and hours or days to one decimal; centres and limits to one decimal.
  select
    worded.*,
    -- greatest() and least() skip nulls: a series without limits keeps null ones.
    case when raw_lower is null then null else greatest(0, raw_lower) end as lower_limit,
    case when raw_upper is null then null when unit = 'rate' then least(1, raw_upper) else raw_upper end as upper_limit,
    case unit when 'rate' then format('{:.1f}%', value * 100) when 'count' then format('{:.0f}', value) else format('{:.1f}', value) end as value_text,
    case unit when 'rate' then format('{:.1f}%', trend_from * 100) when 'count' then format('{:.0f}', trend_from) else format('{:.1f}', trend_from) end as trend_from_text,
    case unit when 'rate' then format('{:.1f}%', centre_line * 100) else format('{:.1f}', centre_line) end as centre_text,
    case unit when 'rate' then format('{:.1f}%', greatest(0, raw_lower) * 100) else format('{:.1f}', greatest(0, raw_lower)) end as lower_text,
    case unit when 'rate' then format('{:.1f}%', least(1, raw_upper) * 100) else format('{:.1f}', raw_upper) end as upper_text
  from worded
),
final as (
  select
    formatted.metric,
    formatted.metric_label,
    formatted.service_line,
    formatted.week_start,
    formatted.value,
    formatted.is_mature,
    formatted.is_baseline,
    formatted.centre_line,
    formatted.lower_limit,
    formatted.upper_limit,
    formatted.signal_rule is not null as is_signal,
    formatted.signal_rule,
    case when formatted.signal_rule is null then null else formatted.went_up = formatted.is_higher_better end as is_improvement,
    case formatted.signal_rule
      when 'beyond_limits' then
        formatted.metric_label || ', ' || formatted.line_name || ': ' || formatted.value_text || ' in ' || formatted.week_name || ', '
        || case when formatted.went_up then 'above the upper limit of ' || formatted.upper_text else 'below the lower limit of ' || formatted.lower_text end
        || ' (centre ' || formatted.centre_text || ')'
      when 'run_above' then
        formatted.metric_label || ', ' || formatted.line_name || ': above the centre line of ' || formatted.centre_text || ' for ' || formatted.run_length
        || ' weeks in a row, ' || formatted.value_text || ' in ' || formatted.week_name
      when 'run_below' then
        formatted.metric_label || ', ' || formatted.line_name || ': below the centre line of ' || formatted.centre_text || ' for ' || formatted.run_length
        || ' weeks in a row, ' || formatted.value_text || ' in ' || formatted.week_name
      when 'trend_up' then
        formatted.metric_label || ', ' || formatted.line_name || ': up ' || formatted.trend_steps + 1 || ' weeks in a row, from ' || formatted.trend_from_text
        || ' in the week of ' || strftime(formatted.trend_from_week, '%-d %b %Y') || ' to ' || formatted.value_text || ' in ' || formatted.week_name
      when 'trend_down' then
        formatted.metric_label || ', ' || formatted.line_name || ': down ' || formatted.trend_steps + 1 || ' weeks in a row, from ' || formatted.trend_from_text
        || ' in the week of ' || strftime(formatted.trend_from_week, '%-d %b %Y') || ' to ' || formatted.value_text || ' in ' || formatted.week_name
    end
      || case when formatted.signal_rule is null then '' when formatted.went_up = formatted.is_higher_better then ': an improvement.' else ': a concern.' end
      as signal_sentence,
    config_targets.target,
    case
      when formatted.value is null or config_targets.target is null then null
      when config_targets.better = 'lower' then formatted.value <= config_targets.target
      else formatted.value >= config_targets.target
    end as is_target_met,
    formatted.is_this_week,
    formatted.is_latest_mature_week,
    params.as_of,
    params.run_id
  from formatted
  cross join params
  left join config_targets on config_targets.metric = formatted.metric
)
select * from final
