-- Grain: one row per (week, source) for the eight largest referring sources, every week of the 52 (0 when they sent nothing): their weekly trend.
--
-- The largest sources are the 8 with the most referrals in source_quality's
-- window (its referrals; equal counts by source), 'unknown' (no valid NPI)
-- left out. The weeks are the 52 complete Monday–Sunday weeks up to this week
-- (kpi_weekly's is_this_week), so no week is cut short at either end. All
-- service lines together; a week a source sent nothing is a row with 0, so
-- a silence is drawn as one instead of a line across it.
-- Clinicians are not patients: no suppression needed.
--
-- @column week_start: The week received (its Monday).
-- @column source: The clinician as a source: their NPI, or the directory provider_id of one without a valid NPI.
-- @column name: The clinician's name (source_quality), or the source when it has none.
-- @column source_rank: 1 = the largest source of the window.
-- @column referrals: Referrals received from the source in the week.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique week_start, source
-- @not_null week_start, source, name, source_rank, referrals
with params as (
  select config_params.as_of, config_params.run_id, this_week.week_start
  from config_params
  cross join (select max(week) as week_start from kpi_weekly where is_this_week) as this_week
),
largest as (
  select source, name, source_rank
  from (
    select source, coalesce(source_name, source) as name, row_number() over (order by referrals desc, source) as source_rank
    from source_quality
    where source <> 'unknown'
  ) as ranked
  where source_rank <= 8
),
weeks as (
  select cast(unnest(generate_series(cast(params.week_start - interval '357' day as date), params.week_start, interval '7' day)) as date) as week_start
  from params
),
counts as (
  select fct_referrals.received_week as week_start, fct_referrals.source, count(*) as referrals
  from fct_referrals
  join largest using (source)
  group by all
),
weekly as (
  select weeks.week_start, largest.source, largest.name, largest.source_rank, coalesce(counts.referrals, 0) as referrals
  from weeks
  cross join largest
  left join counts on counts.week_start = weeks.week_start and counts.source = largest.source
),
stamped as (
  select weekly.*, params.as_of, params.run_id
  from weekly
  cross join params
)
select * from stamped
