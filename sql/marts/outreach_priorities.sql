-- Grain: one row per (clinician, category): who the liaisons should visit, and why.
--
-- Over the year before as_of (source_window_days × 24 hours). Each category
-- judges a clinician against their own history or peers, never a fixed
-- number of days, and is small-sample aware:
--
-- dormant: referred regularly (6+ referrals), then silent: nothing in the
--   last 13 weeks. Their own pace is (referrals − 1) over the span from their
--   first referral on record to their last (the whole history, not just the
--   year, so a burst does not pass for a pace); the chance of a silence as
--   long as the current one at that pace is exp(−rate × days) (Poisson).
--   Dormant when that chance is below 1 in 1,000. Someone with two referrals ever is never dormant, and
--   someone still referring now and then is declining, not dormant.
-- declining: 12+ referrals in the baseline (the year before the last 91
--   days), and in the last 91 days well below their baseline *share* of the
--   practice's referrals (so a practice-wide season or growth is not read as
--   one clinician's decline): at most 60% of expected, and a Poisson chance
--   of so few below 1 in 50. Not also dormant.
-- coaching: packets often incomplete at receipt: 20+ in-scope referrals and an
--   incomplete rate, shrunk toward the practice rate (beta prior of strength
--   20), whose 95% interval lies above the practice rate and at least 15
--   points above it.
-- growth: directory clinicians in a specialty whose referring members send a
--   median of 6+ referrals a year, who themselves sent 2 or fewer.
--
-- A clinician is a source (fct_referrals.source): their NPI, or the
-- directory's provider_id for one without a valid NPI, so a directory entry
-- known only by provider_id is judged like any other clinician.
--
-- Visits at stake are completed visits a year: for dormant and declining the
-- lost referrals times the clinician's shrunk conversion; for coaching the
-- extra incomplete packets times how much less often an incomplete packet
-- converts; for growth the peer median times the practice conversion. The
-- priority score is visits at stake times confidence (1 − the chance it is
-- noise; 1 for coaching, whose interval already excludes noise; 0.5 for
-- growth, which is a prospect, not a loss).
--
-- @column priority_rank: 1 = visit first.
-- @column source: The clinician as a source: their NPI, or the directory provider_id of one without a valid NPI.
-- @column npi: The clinician's NPI; null for a directory entry known only by provider_id.
-- @column clinician: Name (directory, else as written on referrals).
-- @column practice: Office (directory, else as written on referrals).
-- @column organization: Group or network (directory).
-- @column specialty: Specialty or taxonomy code (directory).
-- @column relationship: affiliated, independent or competitor (directory).
-- @column liaison: The outreach team member who owns the relationship.
-- @column category: dormant, declining, coaching or growth.
-- @column reason: Why, in one sentence with its numbers.
-- @column priority_score: visits_at_stake × confidence; the list is ranked on it.
-- @column visits_at_stake: Completed visits a year at stake.
-- @column confidence: How sure: 1 − the chance the pattern is noise (coaching 1, growth 0.5).
-- @column referrals_last_year: Referrals in the year before as_of.
-- @column last_referral_at: Their latest referral up to as_of.
-- @unique source, category
-- @accepted_values category: dormant, declining, coaching, growth
with params as (
  select * from config_params
),
year as (
  select * from fct_referrals where source <> 'unknown' and is_in_source_window
),
practice as (
  select
    count(*) filter (where received_at > params.as_of - interval 91 day) as recent_total,
    count(*) filter (where received_at <= params.as_of - interval 91 day) as baseline_total,
    avg(case when has_visit_within_leakage_window then 1 else 0 end) filter (where in_scope and is_leakage_window_passed) as conversion,
    avg(case when not docs_complete_at_receipt then 1 else 0 end) filter (where in_scope) as incomplete_rate,
    avg(case when has_visit_within_leakage_window then 1 else 0 end) filter (where in_scope and is_leakage_window_passed and docs_complete_at_receipt) as conversion_complete,
    avg(case when has_visit_within_leakage_window then 1 else 0 end) filter (where in_scope and is_leakage_window_passed and not docs_complete_at_receipt) as conversion_incomplete
  from year, params
),
per_source as (
  select
    year.source,
    count(*) as referrals,
    count(*) filter (where received_at > params.as_of - interval 91 day) as recent,
    count(*) filter (where received_at <= params.as_of - interval 91 day) as baseline,
    count(*) filter (where in_scope) as in_scope,
    count(*) filter (where in_scope and not docs_complete_at_receipt) as incomplete,
    min(received_at) as first_at,
    max(received_at) as last_at,
    (epoch(params.as_of) - epoch(max(received_at))) / 86400.0 as silent_days,
    (epoch(max(received_at)) - epoch(min(received_at))) / 86400.0 as active_days
  from year, params
  group by year.source, params.as_of
),
history as (
  select source, count(*) as referrals_ever, min(received_at) as first_ever
  from fct_referrals where source <> 'unknown' group by source
),
conversion as (
  select source, coalesce(conversion_shrunk, (select conversion from practice)) as conversion from source_quality
),
dormant as (
  select
    s.source, 'dormant' as category,
    (h.referrals_ever - 1) / ((epoch(s.last_at) - epoch(h.first_ever)) / 86400.0) as rate_per_day,
    exp(-((h.referrals_ever - 1) / ((epoch(s.last_at) - epoch(h.first_ever)) / 86400.0)) * s.silent_days) as chance,
    s.*
  from per_source as s
  join history as h on h.source = s.source
  where s.referrals >= 6 and s.recent = 0 and s.last_at > h.first_ever
),
dormant_flagged as (
  select
    source, category,
    1 - chance as confidence,
    rate_per_day * 365 * (select conversion from conversion c where c.source = dormant.source) as visits_at_stake,
    format('Referred {} times in the year, about one every {} days, then nothing for {} days; at their own pace a silence this long comes by chance {}.',
      referrals, round(1 / rate_per_day, 0)::integer, round(silent_days, 0)::integer,
      case when chance < 1e-6 then 'less than once in a million' else format('about once in {:,}', round(1 / chance, 0)::bigint) end) as reason
  from dormant
  where chance < 0.001
),
declining as (
  select
    s.*, 'declining' as category,
    s.baseline::double / nullif(practice.baseline_total, 0) * practice.recent_total as expected_recent
  from per_source as s, practice
  where s.baseline >= 12 and s.source not in (select source from dormant_flagged)
),
declining_tested as (
  select
    *,
    list_sum(list_transform(range(0, recent + 1), i -> exp(-expected_recent + i * ln(expected_recent) - lgamma(i + 1)))) as chance
  from declining
  where expected_recent > 0
),
declining_flagged as (
  select
    source, category,
    1 - chance as confidence,
    (expected_recent - recent) * 365 / 91 * (select conversion from conversion c where c.source = declining_tested.source) as visits_at_stake,
    format('{} referrals in the last 13 weeks where their usual share of the practice''s referrals would give {}; down {}%, a drop this size comes by chance {}.',
      recent, round(expected_recent, 0)::integer, round(100 * (1 - recent / expected_recent), 0)::integer,
      case when chance < 1e-6 then 'less than once in a million' else format('about once in {:,}', round(1 / chance, 0)::bigint) end) as reason
  from declining_tested
  where recent <= 0.6 * expected_recent and chance < 0.02
),
coaching as (
  select
    s.source,
    (s.incomplete + 20 * practice.incomplete_rate) / (s.in_scope + 20) as shrunk,
    s.in_scope, s.incomplete, practice.incomplete_rate, practice.conversion_complete, practice.conversion_incomplete
  from per_source as s, practice
  where s.in_scope >= 20
),
coaching_flagged as (
  select
    source, 'coaching' as category,
    1.0 as confidence,
    in_scope * (shrunk - incomplete_rate) * greatest(0, conversion_complete - conversion_incomplete) as visits_at_stake,
    format('{} of {} packets arrived incomplete ({}%, against {}% for the practice); incomplete packets convert {} points less often.',
      incomplete, in_scope, round(100 * incomplete / in_scope, 0)::integer, round(100 * incomplete_rate, 0)::integer,
      round(100 * greatest(0, conversion_complete - conversion_incomplete), 0)::integer) as reason
  from coaching
  where shrunk - 1.96 * sqrt(shrunk * (1 - shrunk) / (in_scope + 21)) > incomplete_rate
    and shrunk >= incomplete_rate + 0.15
),
specialty_peers as (
  select providers.specialty, median(coalesce(per_source.referrals, 0)) filter (where per_source.referrals > 0) as peer_median, count(per_source.source) as referring
  from int_providers as providers
  left join per_source on per_source.source = providers.provider_key
  group by providers.specialty
),
growth_flagged as (
  select
    providers.provider_key as source, 'growth' as category,
    0.5 as confidence,
    (peers.peer_median - coalesce(per_source.referrals, 0)) * practice.conversion as visits_at_stake,
    format('Sent {} referrals in the year; referring clinicians of the same specialty ({}) send a median of {}.',
      coalesce(per_source.referrals, 0), providers.specialty, round(peers.peer_median, 0)::integer) as reason
  from int_providers as providers
  join specialty_peers as peers on peers.specialty = providers.specialty
  left join per_source on per_source.source = providers.provider_key
  cross join practice
  where peers.referring >= 5 and peers.peer_median >= 6 and coalesce(per_source.referrals, 0) <= 2
),
flagged as (
  select * from dormant_flagged
  union all by name select * from declining_flagged
  union all by name select * from coaching_flagged
  union all by name select * from growth_flagged
),
names as (
  select * from int_source_names
),
final as (
  select
    row_number() over (order by flagged.visits_at_stake * flagged.confidence desc, flagged.source, flagged.category) as priority_rank,
    flagged.source,
    names.npi,
    names.display_name as clinician,
    names.display_practice as practice,
    names.organization,
    names.specialty,
    names.relationship,
    names.liaison,
    flagged.category,
    flagged.reason,
    round(flagged.visits_at_stake * flagged.confidence, 2) as priority_score,
    round(flagged.visits_at_stake, 2) as visits_at_stake,
    round(flagged.confidence, 4) as confidence,
    coalesce(per_source.referrals, 0) as referrals_last_year,
    per_source.last_at as last_referral_at
  from flagged
  left join names on names.source = flagged.source
  left join per_source on per_source.source = flagged.source
)
select * from final
