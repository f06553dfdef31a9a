-- Grain: one row per referring clinician (a known source) with at least one referral a week in either window whose move is beyond week-to-week noise: whose weekly volume moved, largest move first.
--
-- The recent window is the 4 weeks received up to this week (the last
-- complete Monday–Sunday week before as_of, kpi_weekly's is_this_week), this
-- week included; the baseline is the 12 weeks before those. Each is a
-- weekly average (referrals / 4, referrals / 12), all service lines together
-- (a clinician's referrals are counted together). A clinician counts when
-- either average is at least 1; 'unknown' (no valid NPI) is left out.
-- And the move must be unlikely to be noise: with R referrals in the 4
-- recent weeks and B in the 12 before, the change R − B/3 (the recent count
-- against the baseline's pace) is at least 2 standard errors of it,
-- sqrt(R + B/9), counting both as Poisson counts (change_z). A clinician
-- whose 1.2 a week became 1.5 is no mover; one whose 3 a week stopped is.
-- mover_rank orders them by the size of the change, largest first (unrounded,
-- then by source); the averages shown are rounded to one decimal.
-- Clinicians are not patients: no suppression needed.
--
-- @column source: The clinician as a source: their NPI, or the directory provider_id of one without a valid NPI.
-- @column name: The clinician's name (source_quality), or the source when it has none.
-- @column office: The clinician's office (source_quality).
-- @column liaison: The outreach team member who owns the relationship (source_quality).
-- @column recent_per_week: Referrals a week in the 4 weeks up to this week, rounded to 0.1.
-- @column baseline_per_week: Referrals a week in the 12 weeks before those, rounded to 0.1.
-- @column change_per_week: recent − baseline (unrounded), rounded to 0.1.
-- @column change_z: The change in standard errors, (R − B/3) / sqrt(R + B/9) for R recent and B baseline referrals; at least 2 either way.
-- @column mover_rank: 1 = the largest change either way.
-- @column week_start: This week (its Monday): the last week of the recent window.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique source
-- @not_null source, name, recent_per_week, baseline_per_week, change_per_week, mover_rank, week_start
with params as (
  select config_params.as_of, config_params.run_id, this_week.week_start
  from config_params
  cross join (select max(week) as week_start from kpi_weekly where is_this_week) as this_week
),
weekly as (
  select
    fct_referrals.source,
    cast(count(*) filter (
      where fct_referrals.received_week > cast(params.week_start - interval '28' day as date) and fct_referrals.received_week <= params.week_start
    ) as double) / 4 as recent,
    cast(count(*) filter (
      where fct_referrals.received_week > cast(params.week_start - interval '112' day as date) and fct_referrals.received_week <= cast(params.week_start - interval '28' day as date)
    ) as double) / 12 as baseline
  from fct_referrals
  cross join params
  where fct_referrals.source <> 'unknown'
  group by fct_referrals.source
),
moved as (
  select weekly.*, row_number() over (order by abs(recent - baseline) desc, source) as mover_rank
  from weekly
  where (baseline >= 1 or recent >= 1)
    and abs(recent * 4 - baseline * 4) >= 2 * sqrt(recent * 4 + baseline * 12 / 9)
),
named as (
  select
    moved.source,
    coalesce(source_quality.source_name, moved.source) as name,
    source_quality.source_practice as office,
    source_quality.liaison,
    round(moved.recent, 1) as recent_per_week,
    round(moved.baseline, 1) as baseline_per_week,
    round(moved.recent - moved.baseline, 1) as change_per_week,
    round((moved.recent * 4 - moved.baseline * 4) / sqrt(moved.recent * 4 + moved.baseline * 12 / 9), 2) as change_z,
    moved.mover_rank,
    params.week_start,
    params.as_of,
    params.run_id
  from moved
  left join source_quality using (source)
  cross join params
)
select * from named
