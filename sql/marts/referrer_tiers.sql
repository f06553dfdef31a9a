-- Grain: one row per referring clinician with a referral in the source window: their tier by the completed visits their referrals brought in the year before as_of.
--
-- A liaison's panel is the referrers the directory assigns them
-- (referrers.liaison). Each referrer's visits are the completed first visits
-- (fct_referrals.completed_visit_at) within the 365 days (× 24 hours, as the
-- source window) before as_of, of referrals from them; their referrals are
-- those received in the source window. Tier A: at least outreach.tiers.a_min_visits
-- (default 24, two a month); tier B: at least b_min_visits (default 6);
-- tier C: the rest, fewer visits or none. 'unknown' is no referrer.
--
-- @column source: The clinician as a source (fct_referrals.source).
-- @column name: The clinician's name (referrers).
-- @column office: Their office (referrers).
-- @column liaison: The liaison whose panel they are on (referrers); null when the directory assigns none.
-- @column referrals_last_year: Their referrals received in the source window.
-- @column visits_last_year: Completed visits of their referrals in the 365 days before as_of.
-- @column tier: A, B or C by visits_last_year.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique source
-- @not_null source, referrals_last_year, visits_last_year, tier
with params as (
  select config_params.as_of, config_params.run_id, config_params.source_window_days, config_thresholds.tier_a_min_visits, config_thresholds.tier_b_min_visits
  from config_params
  cross join config_thresholds
),
counted as (
  select
    fct_referrals.source,
    count(*) filter (where fct_referrals.is_in_source_window) as referrals_last_year,
    count(*) filter (
      where fct_referrals.completed_visit_at > params.as_of - to_hours(cast(params.source_window_days as bigint) * 24)
        and fct_referrals.completed_visit_at <= params.as_of
    ) as visits_last_year
  from fct_referrals
  cross join params
  where fct_referrals.source <> 'unknown'
  group by fct_referrals.source
)
select
  counted.source,
  referrers.name,
  referrers.office,
  referrers.liaison,
  counted.referrals_last_year,
  counted.visits_last_year,
  case when counted.visits_last_year >= params.tier_a_min_visits then 'A' when counted.visits_last_year >= params.tier_b_min_visits then 'B' else 'C' end as tier,
  params.as_of,
  params.run_id
from counted
left join referrers using (source)
cross join params
where counted.referrals_last_year > 0
