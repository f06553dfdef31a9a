-- Grain: one row per dormant clinician: referred regularly, then silent.
--
-- A clinician with at least dormant_min_referrals referrals in the source
-- window (config outreach.dormant.min_referrals, default 6) and none in the
-- recent window (outreach.recent_days, default 91 days) is judged at their
-- own pace: (referrals − 1) over the span from their first referral on record
-- to their last (the whole history, not just the year, so a burst does not
-- pass for a pace). The chance of a silence as long as the current one at
-- that pace is exp(−rate × silent days) (Poisson); dormant when it is below
-- dormant_max_chance (outreach.dormant.max_chance, default 0.001: 1 in
-- 1,000). Someone with one referral on record has no pace and is never
-- dormant; someone still referring now and then is not silent (see
-- int_outreach_declining).
--
-- Visits at stake: their pace a year (× 365) times their conversion
-- (int_outreach_sources.conversion_rate); confidence 1 − the chance.
--
-- @column source: The clinician as a source.
-- @column category: dormant.
-- @column rate_per_day: Their pace: (referrals on record − 1) / days from the first to the last.
-- @column silent_days: Days since their last referral.
-- @column chance: The chance of so long a silence at their pace.
-- @column confidence: 1 − chance.
-- @column visits_at_stake: Completed visits a year at stake.
-- @column reason: Why, in one sentence with its numbers.
with thresholds as (
  select * from config_thresholds
),
candidates as (
  select
    s.*,
    (s.referrals_ever - 1) / ((epoch(s.last_at) - epoch(s.first_ever_at)) / 86400.0) as rate_per_day
  from int_outreach_sources as s
  cross join thresholds
  where s.referrals >= thresholds.dormant_min_referrals and s.recent_count = 0 and s.last_at > s.first_ever_at
),
tested as (
  select *, exp(-rate_per_day * silent_days) as chance from candidates
),
flagged as (
  select
    source,
    'dormant' as category,
    rate_per_day,
    silent_days,
    chance,
    1 - chance as confidence,
    rate_per_day * 365 * conversion_rate as visits_at_stake,
    format('Referred {} times in the year, about one every {} days, then nothing for {} days; at their own pace a silence this long comes by chance {}.',
      referrals, cast(round(1 / rate_per_day, 0) as integer), cast(round(silent_days, 0) as integer),
      case when chance < 1e-6 then 'less than once in a million' else format('about once in {:,}', cast(round(1 / chance, 0) as bigint)) end) as reason
  from tested
  cross join thresholds
  where tested.chance < thresholds.dormant_max_chance
)
select * from flagged
