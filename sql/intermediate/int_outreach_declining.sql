-- Grain: one row per declining clinician: still referring, but well below their usual share.
--
-- A clinician with at least declining_min_baseline_referrals referrals in the
-- baseline (config outreach.declining.min_baseline_referrals, default 12; the
-- source window before the recent outreach.recent_days) is expected to send
-- their baseline *share* of the practice's recent referrals (so a
-- practice-wide season or growth is not read as one clinician's decline).
-- Declining when the recent referrals are at most declining_max_share_of_expected
-- of that (outreach.declining.max_share_of_expected, default 0.6) and a
-- Poisson chance of so few is below declining_max_chance
-- (outreach.declining.max_chance, default 0.02: 1 in 50). A dormant clinician
-- (int_outreach_dormant) is not also declining.
--
-- Visits at stake: the missing referrals scaled to a year (× 365 / the recent
-- days) times their conversion; confidence 1 − the chance.
--
-- @column source: The clinician as a source.
-- @column category: declining.
-- @column recent_count: Their referrals in the recent window.
-- @column expected_recent: Referrals their baseline share of the practice's recent referrals would give.
-- @column chance: Poisson chance of at most `recent_count` when expected_recent are expected.
-- @column confidence: 1 − chance.
-- @column visits_at_stake: Completed visits a year at stake.
-- @column reason: Why, in one sentence with its numbers.
with thresholds as (
  select * from config_thresholds
),
candidates as (
  select
    s.*,
    cast(s.baseline_count as double) / nullif(practice.baseline_count, 0) * practice.recent_count as expected_recent
  from int_outreach_sources as s
  cross join int_outreach_practice as practice
  cross join thresholds
  where s.baseline_count >= thresholds.declining_min_baseline_referrals
    and s.source not in (select source from int_outreach_dormant)
),
tested as (
  select
    *,
    list_sum(list_transform(range(0, recent_count + 1), i -> exp(-expected_recent + i * ln(expected_recent) - lgamma(i + 1)))) as chance
  from candidates
  where expected_recent > 0
),
flagged as (
  select
    source,
    'declining' as category,
    recent_count,
    expected_recent,
    chance,
    1 - chance as confidence,
    (expected_recent - recent_count) * 365 / thresholds.outreach_recent_days * conversion_rate as visits_at_stake,
    format('{} referrals in the last {} weeks where their usual share of the practice''s referrals would give {}; down {}%, a drop this size comes by chance {}.',
      recent_count, cast(round(thresholds.outreach_recent_days / 7, 0) as integer), cast(round(expected_recent, 0) as integer), cast(round(100 * (1 - recent_count / expected_recent), 0) as integer),
      case when chance < 1e-6 then 'less than once in a million' else format('about once in {:,}', cast(round(1 / chance, 0) as bigint)) end) as reason
  from tested
  cross join thresholds
  where tested.recent_count <= thresholds.declining_max_share_of_expected * tested.expected_recent
    and tested.chance < thresholds.declining_max_chance
)
select * from flagged
