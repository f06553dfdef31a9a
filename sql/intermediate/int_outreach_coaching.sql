-- Grain: one row per clinician whose packets are often incomplete at receipt (an office to coach).
--
-- A clinician with at least coaching_min_in_scope in-scope referrals in the
-- source window (config outreach.coaching.min_in_scope, default 20) has an
-- incomplete-at-receipt rate shrunk toward the practice rate (a beta prior
-- of strength coaching_prior_strength, outreach.coaching.prior_strength,
-- default 20). Flagged when the shrunk rate's 95% interval (normal
-- approximation to the beta posterior) lies above the practice rate, and the
-- shrunk rate is at least coaching_min_rate_above_practice above it
-- (outreach.coaching.min_rate_above_practice, default 0.15: 15 points).
--
-- Visits at stake: the extra incomplete packets (in-scope × (shrunk −
-- practice rate)) times how much less often an incomplete packet converts
-- than a complete one (never below 0). Confidence 1: the interval already
-- excludes noise.
--
-- @column source: The clinician as a source.
-- @column category: coaching.
-- @column in_scope_count: Their in-scope referrals in the window.
-- @column incomplete_count: Of them, incomplete at receipt.
-- @column shrunk_rate: The incomplete rate shrunk toward the practice rate.
-- @column practice_rate: The practice's incomplete rate.
-- @column confidence: 1.
-- @column visits_at_stake: Completed visits a year at stake.
-- @column reason: Why, in one sentence with its numbers.
with thresholds as (
  select * from config_thresholds
),
candidates as (
  select
    s.source,
    s.in_scope_count,
    s.incomplete_count,
    (s.incomplete_count + thresholds.coaching_prior_strength * practice.incomplete_rate) / (s.in_scope_count + thresholds.coaching_prior_strength) as shrunk_rate,
    practice.incomplete_rate as practice_rate,
    practice.conversion_rate_complete,
    practice.conversion_rate_incomplete
  from int_outreach_sources as s
  cross join int_outreach_practice as practice
  cross join thresholds
  where s.in_scope_count >= thresholds.coaching_min_in_scope
),
flagged as (
  select
    source,
    'coaching' as category,
    in_scope_count,
    incomplete_count,
    shrunk_rate,
    practice_rate,
    1.0 as confidence,
    in_scope_count * (shrunk_rate - practice_rate) * greatest(0, conversion_rate_complete - conversion_rate_incomplete) as visits_at_stake,
    format('{} of {} packets arrived incomplete ({}%, against {}% for the practice); incomplete packets convert {} points less often.',
      incomplete_count, in_scope_count, cast(round(cast(100 * incomplete_count as double) / in_scope_count, 0) as integer), cast(round(100 * practice_rate, 0) as integer),
      cast(round(100 * greatest(0, conversion_rate_complete - conversion_rate_incomplete), 0) as integer)) as reason
  from candidates
  cross join thresholds
  where shrunk_rate - 1.96 * sqrt(shrunk_rate * (1 - shrunk_rate) / (in_scope_count + thresholds.coaching_prior_strength + 1)) > practice_rate
    and shrunk_rate >= practice_rate + thresholds.coaching_min_rate_above_practice
)
select * from flagged
