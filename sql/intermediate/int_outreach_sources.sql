-- Grain: one row per known source (not 'unknown') with a referral in the source window: what the outreach rules judge a clinician on.
--
-- Over the year before as_of, split into the recent window and the baseline
-- by int_outreach_window.
-- silent_days is the time from their last referral to as_of. The whole
-- history (referrals_ever, first_ever_at) is kept beside the year, so a
-- clinician's pace can be judged on all their referrals, not a burst.
-- conversion_rate is their shrunk conversion (source_quality.conversion_shrunk),
-- else the practice's (int_outreach_practice).
--
-- @column source: The clinician as a source (fct_referrals.source).
-- @column referrals: Referrals in the source window.
-- @column recent_count: Of them, received in the recent window.
-- @column baseline_count: Of them, received before the recent window.
-- @column in_scope_count: Of them, in scope.
-- @column incomplete_count: Of the in-scope, incomplete at receipt.
-- @column first_at: Their first referral in the window.
-- @column last_at: Their latest referral in the window.
-- @column silent_days: Days (real elapsed) from last_at to as_of.
-- @column referrals_ever: Referrals on record up to as_of.
-- @column first_ever_at: Their first referral on record.
-- @column conversion_rate: Their shrunk conversion rate, else the practice rate.
with per_source as (
  select
    year.source,
    count(*) as referrals,
    count(*) filter (where year.is_recent) as recent_count,
    count(*) filter (where not year.is_recent) as baseline_count,
    count(*) filter (where year.in_scope) as in_scope_count,
    count(*) filter (where year.in_scope and not year.docs_complete_at_receipt) as incomplete_count,
    min(year.received_at) as first_at,
    max(year.received_at) as last_at,
    (epoch(config_params.as_of) - epoch(max(year.received_at))) / 86400.0 as silent_days
  from int_outreach_window as year
  cross join config_params
  group by year.source, config_params.as_of
),
history as (
  select source, count(*) as referrals_ever, min(received_at) as first_ever_at
  from fct_referrals
  where source <> 'unknown'
  group by source
),
final as (
  select
    per_source.*,
    history.referrals_ever,
    history.first_ever_at,
    coalesce(source_quality.conversion_shrunk, practice.conversion_rate) as conversion_rate
  from per_source
  join history on history.source = per_source.source
  left join source_quality on source_quality.source = per_source.source
  cross join int_outreach_practice as practice
)
select * from final
