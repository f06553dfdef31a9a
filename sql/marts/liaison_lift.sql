-- Grain: one row per (activity type, liaison) of liaison_activities, and per activity type for all liaisons ('all'): the measured lift of a touch on a referrer's weekly referrals.
--
-- A touch is a referring clinician reached by an activity of the type in a
-- week (int_liaison_touches; several of one type to one clinician in one
-- week are one touch: for one liaison, or for 'all' whoever made them). Its change is the clinician's referrals a week in the
-- 8 weeks after the touch week minus those in the 8 weeks before it (the
-- touch week itself is in neither: part of it is before the touch). Its
-- comparison is the mean change, over the same weeks, of comparable
-- referrers not touched: clinicians who referred in the 52 weeks before the
-- touch week and had no activity of any type from 8 weeks before it to 8
-- weeks after. The touch's lift is its change minus that mean change
-- (difference in differences): what the touch added beyond the practice's
-- own ups and downs in those weeks.
--
-- Only touches with both windows complete at as_of count: the 8 weeks after
-- end by the last complete week before as_of, the 8 weeks before start on
-- or after the first week with referrals. The touched clinician must have
-- referred in the 52 weeks before too (as the comparison clinicians did), so
-- a prospect who never referred is not set against regular referrers.
--
-- lift_per_week is the mean lift of the type's touches; the 90% interval is
-- mean ± 1.645 standard errors, null with fewer than 2 touches. Its variance
-- adds the touches' spread (the sample variance of their lifts over their
-- number) and the comparison's own uncertainty (each week's comparison is
-- the mean of its clinicians' changes, shared by every touch of that week).
-- A lift is called (is_lift_detected) only from 10 touches or more, and
-- only when it stands out after allowing for how many rows are judged: the
-- table has a row per type and liaison, and among ten rows with no effect at
-- all one 90% interval clears 0 by chance about every other time. So the
-- lift's z (lift over its standard error) must pass the one-sided 5% bar
-- divided among the rows judged (Bonferroni): 1.645, the 90% interval's own
-- edge, for one row; about 2.58 for ten. Touches of one clinician
-- weeks apart overlap in time and are not
-- independent, so read a narrow interval from few clinicians with care.
-- A type with activities but no touch that counts has a row with 0 touches.
--
-- The windows and the floor are config (outreach.lift, table
-- config_thresholds): window_weeks (default 8) each side of the touch week,
-- active_weeks (default 52) of referring before it, min_touches (default 10)
-- for a verdict; the numbers above are the defaults.
--
-- @column activity_type: visit, call, lunch, email or event.
-- @column liaison: The outreach team member whose touches the row measures, or 'all' for every liaison's.
-- @column activities: Activities of the type up to as_of that reached a known clinician.
-- @column touches: Touches that count (both 8-week windows complete, the clinician active in the year before).
-- @column clinicians_touched_count: Distinct clinicians behind those touches.
-- @column before_per_week: Mean referrals a week of the touched clinicians in the 8 weeks before their touch.
-- @column after_per_week: Mean referrals a week of the touched clinicians in the 8 weeks after their touch.
-- @column comparison_change_per_week: Mean change (after − before, a week) of the comparable clinicians not touched, matched to each touch's weeks, averaged over the touches.
-- @column lift_per_week: Mean difference in differences: the touched clinician's change minus the comparison's, in referrals a week.
-- @column lift_lower_90: Lower end of the 90% interval of lift_per_week; null with fewer than 2 touches.
-- @column lift_upper_90: Upper end of the 90% interval of lift_per_week; null with fewer than 2 touches.
-- @column lift_z: lift_per_week over its standard error; null with fewer than 2 touches.
-- @column rows_judged: Rows of this table with an interval and at least min_touches touches: the comparisons the bar allows for.
-- @column z_needed: The bar lift_z must pass: the one-sided normal quantile at 1 − 0.05 / rows_judged (1.645 for one row).
-- @column is_lift_detected: lift_z passes z_needed, from at least 10 touches; null without an interval or with fewer touches.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique activity_type, liaison
-- @not_null activity_type, liaison, activities, touches, clinicians_touched_count
with params as (
  select
    config_params.as_of,
    config_params.run_id,
    -- The last complete Monday–Sunday week before as_of, and the first week with referrals.
    cast(date_trunc('week', local_date(config_params.as_of)) as date) - 7 as last_week,
    (select min(received_week) from fct_referrals) as first_week,
    -- The windows in days (config outreach.lift): the weeks compared each side of a touch, and the activity before it.
    cast(7 * config_thresholds.lift_window_weeks as integer) as window_days,
    cast(config_thresholds.lift_window_weeks as double) as window_weeks,
    cast(7 * config_thresholds.lift_active_weeks as integer) as active_days,
    cast(config_thresholds.lift_min_touches as integer) as min_touches
  from config_params
  cross join config_thresholds
),
weekly as (
  select source, received_week as week, count(*) as referrals
  from fct_referrals
  where source <> 'unknown'
  group by source, received_week
),
touches as (
  select distinct source, activity_type, touch_week, liaison from int_liaison_touches
  union all
  select distinct source, activity_type, touch_week, 'all' as liaison from int_liaison_touches
),
touched_weeks as (
  -- Every week a clinician was touched by anything: a clinician touched within 8 weeks of a week is no comparison for it.
  select distinct source, touch_week from int_liaison_touches
),
touch_weeks as (
  select distinct touches.touch_week
  from touches
  cross join params
  where touches.touch_week - params.window_days >= params.first_week and touches.touch_week + params.window_days <= params.last_week
),
windows as (
  -- A clinician, for a week: referrals in the active weeks before it, and a week's worth in the window before and the window after.
  select
    weekly.source,
    touch_weeks.touch_week,
    params.window_weeks,
    sum(weekly.referrals) filter (where weekly.week >= touch_weeks.touch_week - params.active_days and weekly.week < touch_weeks.touch_week) as year_before,
    coalesce(sum(weekly.referrals) filter (where weekly.week >= touch_weeks.touch_week - params.window_days and weekly.week < touch_weeks.touch_week), 0) as before_count,
    coalesce(sum(weekly.referrals) filter (where weekly.week > touch_weeks.touch_week and weekly.week <= touch_weeks.touch_week + params.window_days), 0) as after_count
  from touch_weeks
  cross join params
  join weekly on weekly.week >= touch_weeks.touch_week - greatest(params.active_days, params.window_days) and weekly.week <= touch_weeks.touch_week + params.window_days
  group by weekly.source, touch_weeks.touch_week, params.window_weeks
),
comparison as (
  select
    windows.touch_week,
    avg((windows.after_count - windows.before_count) / windows.window_weeks) as change_per_week,
    -- The variance of that mean: its own uncertainty, shared by every touch of the week.
    coalesce(var_samp((windows.after_count - windows.before_count) / windows.window_weeks) / count(*), 0) as change_variance
  from windows
  cross join params
  anti join touched_weeks
    on touched_weeks.source = windows.source
    and touched_weeks.touch_week between windows.touch_week - params.window_days and windows.touch_week + params.window_days
  where windows.year_before > 0
  group by windows.touch_week
),
lifts as (
  select
    touches.activity_type,
    touches.liaison,
    touches.source,
    windows.before_count / windows.window_weeks as before_per_week,
    windows.after_count / windows.window_weeks as after_per_week,
    comparison.change_per_week as comparison_change,
    comparison.change_variance as comparison_variance,
    touches.touch_week,
    (windows.after_count - windows.before_count) / windows.window_weeks - comparison.change_per_week as lift
  from touches
  join windows on windows.source = touches.source and windows.touch_week = touches.touch_week
  join comparison on comparison.touch_week = touches.touch_week
  where windows.year_before > 0
),
activity_counts as (
  select activity_type, liaison, count(distinct activity_id) as activities
  from int_liaison_touches
  group by activity_type, liaison
  union all
  select activity_type, 'all' as liaison, count(distinct activity_id) as activities
  from int_liaison_touches
  group by activity_type
),
comparison_error as (
  -- The comparison's error in the type's mean lift: a week's comparison is shared by its n touches, so it weighs n²; weeks are independent.
  select activity_type, liaison, sum(n * n * comparison_variance) / pow(sum(n), 2) as variance
  from (select activity_type, liaison, touch_week, count(*) as n, any_value(comparison_variance) as comparison_variance from lifts group by activity_type, liaison, touch_week)
  group by activity_type, liaison
),
by_type as (
  select
    activity_type,
    liaison,
    count(*) as touches,
    count(distinct source) as clinicians_touched_count,
    avg(before_per_week) as before_per_week,
    avg(after_per_week) as after_per_week,
    avg(comparison_change) as comparison_change_per_week,
    avg(lift) as lift_per_week,
    var_samp(lift) / count(*) as touch_variance
  from lifts
  group by activity_type, liaison
),
final as (
  select
    activity_counts.activity_type,
    activity_counts.liaison,
    activity_counts.activities,
    coalesce(by_type.touches, 0) as touches,
    coalesce(by_type.clinicians_touched_count, 0) as clinicians_touched_count,
    by_type.before_per_week,
    by_type.after_per_week,
    by_type.comparison_change_per_week,
    by_type.lift_per_week,
    case when by_type.touches >= 2 then by_type.lift_per_week - 1.645 * sqrt(by_type.touch_variance + comparison_error.variance) end as lift_lower_90,
    case when by_type.touches >= 2 then by_type.lift_per_week + 1.645 * sqrt(by_type.touch_variance + comparison_error.variance) end as lift_upper_90,
    case when by_type.touches >= 2 and by_type.touch_variance + comparison_error.variance > 0
      then by_type.lift_per_week / sqrt(by_type.touch_variance + comparison_error.variance) end as lift_z,
    params.min_touches,
    params.as_of,
    params.run_id
  from activity_counts
  left join by_type using (activity_type, liaison)
  left join comparison_error using (activity_type, liaison)
  cross join params
),
judged as (
  select
    final.*,
    count(*) filter (where lift_z is not null and touches >= min_touches) over () as rows_judged
  from final
),
tail as (
  select judged.*, sqrt(-2 * ln(0.05 / greatest(rows_judged, 1))) as t
  from judged
),
bar as (
  -- The one-sided normal quantile at 1 - 0.05 / rows_judged (Abramowitz and
  -- Stegun 26.2.23, within 0.00045): 1.645 for one row, 2.58 for ten.
  select
    tail.*,
    t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t) as z_needed
  from tail
)
select
  activity_type, liaison, activities, touches, clinicians_touched_count, before_per_week, after_per_week, comparison_change_per_week,
  lift_per_week, lift_lower_90, lift_upper_90, lift_z,
  cast(rows_judged as integer) as rows_judged,
  z_needed,
  case when lift_z is null or touches < min_touches then null else lift_z > z_needed end as is_lift_detected,
  as_of, run_id
from bar
