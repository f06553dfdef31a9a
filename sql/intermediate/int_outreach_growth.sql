-- Grain: one row per growth prospect: a directory clinician in a specialty that feeds the practice, who refers little.
--
-- A specialty feeds the practice when at least growth_min_referring_peers of
-- its directory clinicians referred in the source window (config
-- outreach.growth.min_referring_peers, default 5) and those referring
-- clinicians sent a median of at least growth_min_peer_median referrals
-- (outreach.growth.min_peer_median, default 6). A directory clinician of
-- such a specialty who sent growth_max_referrals or fewer
-- (outreach.growth.max_referrals, default 2) is a prospect.
--
-- Visits at stake: (peer median − their referrals) times the practice's
-- conversion. Confidence growth_confidence (outreach.growth.confidence,
-- default 0.5): a prospect, not a loss.
--
-- @column source: The clinician as a source (their directory key).
-- @column category: growth.
-- @column specialty: Their specialty (directory).
-- @column referrals: Their referrals in the window.
-- @column peer_median: Median referrals of the specialty's referring clinicians.
-- @column referring_peers: The specialty's clinicians with a referral in the window.
-- @column confidence: growth_confidence.
-- @column visits_at_stake: Completed visits a year at stake.
-- @column reason: Why, in one sentence with its numbers.
with thresholds as (
  select * from config_thresholds
),
providers as (
  select
    int_providers.provider_key,
    int_providers.specialty,
    coalesce(s.referrals, 0) as referrals,
    s.source is not null as is_referring
  from int_providers
  left join int_outreach_sources as s on s.source = int_providers.provider_key
),
specialty_peers as (
  select
    specialty,
    median(referrals) filter (where is_referring) as peer_median,
    count(*) filter (where is_referring) as referring_peers
  from providers
  group by specialty
),
flagged as (
  select
    providers.provider_key as source,
    'growth' as category,
    providers.specialty,
    providers.referrals,
    peers.peer_median,
    peers.referring_peers,
    thresholds.growth_confidence as confidence,
    (peers.peer_median - providers.referrals) * practice.conversion_rate as visits_at_stake,
    format('Sent {} referrals in the year; referring clinicians of the same specialty ({}) send a median of {}.',
      providers.referrals, providers.specialty, cast(round(peers.peer_median, 0) as integer)) as reason
  from providers
  join specialty_peers as peers on peers.specialty = providers.specialty
  cross join int_outreach_practice as practice
  cross join thresholds
  where peers.referring_peers >= thresholds.growth_min_referring_peers
    and peers.peer_median >= thresholds.growth_min_peer_median
    and providers.referrals <= thresholds.growth_max_referrals
)
select * from flagged
