-- Grain: one row per (clinician, category): who the liaisons should visit, and why.
--
-- The rules live one to a model, each stated in its own header, with its
-- thresholds read from config_thresholds (config outreach.*):
-- - dormant (int_outreach_dormant): referred regularly, then a silence
--   improbable at their own pace;
-- - declining (int_outreach_declining): well below their usual share of the
--   practice's referrals, by more than chance explains; never also dormant;
-- - coaching (int_outreach_coaching): packets incomplete at receipt more
--   often than the practice's, beyond noise and by a margin;
-- - growth (int_outreach_growth): directory clinicians of a specialty that
--   feeds the practice, who refer little.
-- All judge the year before as_of (source_window_days × 24 hours), against
-- a clinician's own history or peers, small-sample aware. A clinician is a
-- source (fct_referrals.source): their NPI, or the directory's provider_id
-- for one without a valid NPI.
--
-- This mart only combines and ranks: the priority score is visits at stake
-- (completed visits a year) times confidence (1 − the chance the pattern is
-- noise; 1 for coaching; outreach.growth.confidence for growth), ranked
-- highest first, ties by source and category.
--
-- @column priority_rank: 1 = visit first.
-- @column source: The clinician as a source: their NPI, or the directory provider_id of one without a valid NPI.
-- @column npi: The clinician's NPI; null for a directory entry known only by provider_id.
-- @column clinician: Name (directory, else as written on referrals).
-- @column office: Office (directory, else as written on referrals).
-- @column organization: Group or network (directory).
-- @column specialty: Specialty or taxonomy code (directory).
-- @column relationship: affiliated, independent or competitor (directory).
-- @column liaison: The outreach team member who owns the relationship.
-- @column category: dormant, declining, coaching or growth.
-- @column reason: Why, in one sentence with its numbers.
-- @column priority_score: visits_at_stake × confidence; the list is ranked on it.
-- @column visits_at_stake: Completed visits a year at stake.
-- @column confidence: How sure: 1 − the chance the pattern is noise (coaching 1, growth outreach.growth.confidence, default 0.5).
-- @column referrals_last_year: Referrals in the year before as_of.
-- @column last_referral_at: Their latest referral up to as_of.
-- @column as_of: The moment the list is for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique source, category
-- @not_null priority_rank, source, category, as_of, run_id
-- @accepted_values category: dormant, declining, coaching, growth
with flagged as (
  select source, category, confidence, visits_at_stake, reason from int_outreach_dormant
  union all
  select source, category, confidence, visits_at_stake, reason from int_outreach_declining
  union all
  select source, category, confidence, visits_at_stake, reason from int_outreach_coaching
  union all
  select source, category, confidence, visits_at_stake, reason from int_outreach_growth
),
names as (
  select * from int_source_names
),
ranked as (
  select
    row_number() over (order by flagged.visits_at_stake * flagged.confidence desc nulls last, flagged.source, flagged.category) as priority_rank,
    flagged.source,
    names.npi,
    names.display_name as clinician,
    names.display_practice as office,
    names.organization,
    names.specialty,
    names.relationship,
    names.liaison,
    flagged.category,
    flagged.reason,
    round(flagged.visits_at_stake * flagged.confidence, 2) as priority_score,
    round(flagged.visits_at_stake, 2) as visits_at_stake,
    round(flagged.confidence, 4) as confidence,
    coalesce(sources.referrals, 0) as referrals_last_year,
    sources.last_at as last_referral_at
  from flagged
  left join names on names.source = flagged.source
  left join int_outreach_sources as sources on sources.source = flagged.source
),
final as (
  select ranked.*, params.as_of, params.run_id
  from ranked
  cross join config_params as params
)
select * from final
