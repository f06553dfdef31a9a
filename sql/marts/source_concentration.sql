-- Grain: one row: how concentrated referrals and completed visits are among sources.
--
-- Over referrals received in the source window (source_window_days × 24 hours
-- before as_of, both ends included), from known sources: an NPI, or the
-- directory provider_id of a clinician without one (unknown is not one
-- source). Shares of the top 1, 5 and 10 sources by referrals;
-- the Herfindahl–Hirschman index (sum of squared percentage shares, 0–10,000;
-- above 2,500 is highly concentrated); and the completed visits at risk if
-- the largest source lapsed (its referrals' visits in the window).
--
-- @column sources: Known sources (not 'unknown') with a referral in the window.
-- @column referrals: Their referrals in the window.
-- @column top_1_share: Share of referrals from the largest source.
-- @column top_5_share: Share of referrals from the five largest sources.
-- @column top_10_share: Share of referrals from the ten largest sources.
-- @column hhi: Herfindahl–Hirschman index of referral shares (0–10,000).
-- @column completed_visits: Referrals of these sources with a visit.
-- @column top_1_visit_share: Share of those visits from the largest source.
-- @column top_5_visit_share: Share of those visits from the five largest sources.
-- @column top_10_visit_share: Share of those visits from the ten largest sources.
-- @column largest_source: The largest source: its NPI, or the directory provider_id of a clinician without one.
-- @column visits_at_risk_if_largest_lapsed: Completed visits of the largest source's referrals in the window.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
with per_source as (
  select source, count(*) as referrals, count(*) filter (where is_completed) as visits
  from fct_referrals
  where source <> 'unknown' and is_in_source_window
  group by source
),
ranked as (
  select
    *,
    row_number() over (order by referrals desc, source) as rank,
    cast(referrals as double) / sum(referrals) over () as share,
    cast(visits as double) / nullif(sum(visits) over (), 0) as visit_share
  from per_source
),
final as (
  select
    count(*) as sources,
    sum(referrals) as referrals,
    sum(share) filter (where rank = 1) as top_1_share,
    sum(share) filter (where rank <= 5) as top_5_share,
    sum(share) filter (where rank <= 10) as top_10_share,
    sum((100 * share) ^ 2) as hhi,
    sum(visits) as completed_visits,
    sum(visit_share) filter (where rank = 1) as top_1_visit_share,
    sum(visit_share) filter (where rank <= 5) as top_5_visit_share,
    sum(visit_share) filter (where rank <= 10) as top_10_visit_share,
    min(source) filter (where rank = 1) as largest_source,
    sum(visits) filter (where rank = 1) as visits_at_risk_if_largest_lapsed
  from ranked
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
