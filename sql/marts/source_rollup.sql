-- Grain: one row per (level, clinician, office or organization): the referring sources of the trailing window, per clinician and rolled up by office and by organization.
--
-- Window: referrals received in the source_window_days (× 24 hours) before
-- as_of, both ends included, as in source_quality. A clinician is a known
-- source (fct_referrals.source: their NPI, or the directory provider_id of a
-- clinician without one); referrals naming no known source are one clinician
-- row of their own ('unknown', named "No valid NPI") and are left out of the
-- office and organization rows, which belong to no office.
--
-- level 'clinician': one row per source of source_quality, with its name,
-- office, organization and liaison, and its conversion estimate, no-show
-- rate and median days to appointment taken from source_quality as they are.
-- level 'office': one row per office within its organization (the same
-- office name under two organizations is two offices); a clinician without an
-- office on record is counted under "No office on record".
-- level 'organization': one row per organization; "No organization on
-- record" gathers the clinicians the directory puts in none.
-- Every count of an office or organization row is the sum of its clinicians'
-- rows, so the roll-up always adds up to the scorecard; rates are recomputed
-- from the summed counts (null when the denominator is empty), never averaged.
-- The last 13 weeks are the 91 calendar days (local) up to as_of; the 13 weeks
-- before are the 91 days before those.
--
-- @column level: clinician, office or organization.
-- @column source: The clinician as a source (level clinician): their NPI, or the directory provider_id of one without a valid NPI, or 'unknown'; null for an office or organization.
-- @column npi: The clinician's NPI (level clinician); null for a directory entry known only by provider_id, and for an office or organization.
-- @column name: Who the row is: the clinician's name, the office's or the organization's name.
-- @column office: The office (the clinician's, or the office of the row); null for an organization.
-- @column organization: The group or network (directory).
-- @column liaison: The outreach team member who owns the relationship; for an office or organization the liaisons of its clinicians, comma-separated.
-- @column clinicians: Clinicians (sources) counted in the row.
-- @column clinician_npis: The row's clinicians as "name (NPI)", largest first, comma-separated: what a page shows on hover.
-- @column referrals: Referrals in the window.
-- @column share_of_referrals: referrals / all referrals of the window from known sources (the 'unknown' row: of all referrals).
-- @column last_13_weeks: Referrals in the 91 days up to as_of.
-- @column previous_13_weeks: Referrals in the 91 days before those.
-- @column in_scope_count: In-scope referrals in the window.
-- @column in_scope_rate: in_scope_count / referrals.
-- @column incomplete_at_receipt_count: In-scope referrals whose packet was incomplete at receipt.
-- @column complete_at_receipt_rate: (in_scope_count − incomplete_at_receipt_count) / in_scope_count.
-- @column incomplete_at_receipt_rate: incomplete_at_receipt_count / in_scope_count.
-- @column conversion_denominator: In-scope referrals whose leakage window had passed at as_of.
-- @column conversions: Of those, referrals with a visit within the leakage window.
-- @column conversion_rate: conversions / conversion_denominator.
-- @column conversion_shrunk: The clinician's empirical-Bayes conversion estimate (source_quality); null for an office or organization.
-- @column conversion_shrunk_low: Lower end of its 95% interval (source_quality).
-- @column conversion_shrunk_high: Upper end of its 95% interval (source_quality).
-- @column no_show_rate: The clinician's no-show rate (source_quality); null for an office or organization.
-- @column with_visit_count: Referrals with a visit.
-- @column loop_closed_count: Of those, referrals whose summary went back to the referrer.
-- @column loop_closure_rate: loop_closed_count / with_visit_count.
-- @column last_referral_at: The latest referral received up to as_of.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique level, source, office, organization
-- @not_null level, name, clinicians, referrals
-- @accepted_values level: clinician, office, organization
with params as (
  select * from config_params
),
in_window as (
  select * from fct_referrals where is_in_source_window
),
per_source as (
  select
    in_window.source,
    count(*) as referrals,
    count(*) filter (where in_window.received_at > params.as_of - interval '91' day) as last_13_weeks,
    count(*) filter (where in_window.received_at <= params.as_of - interval '91' day and in_window.received_at > params.as_of - interval '182' day) as previous_13_weeks,
    count(*) filter (where in_window.in_scope) as in_scope_count,
    count(*) filter (where in_window.in_scope and not in_window.docs_complete_at_receipt) as incomplete_at_receipt_count,
    count(*) filter (where in_window.in_scope and in_window.is_leakage_window_passed) as conversion_denominator,
    count(*) filter (where in_window.in_scope and in_window.is_leakage_window_passed and in_window.has_visit_within_leakage_window) as conversions,
    count(*) filter (where in_window.is_completed) as with_visit_count,
    count(*) filter (where in_window.is_completed and in_window.is_loop_closed) as loop_closed_count,
    max(in_window.received_at) as last_referral_at
  from in_window
  cross join params
  group by in_window.source
),
clinicians as (
  select
    'clinician' as level,
    per_source.source,
    names.npi,
    coalesce(quality.source_name, case when per_source.source = 'unknown' then 'No valid NPI' else 'Unnamed clinician' end) as name,
    case when per_source.source = 'unknown' then null else coalesce(quality.source_practice, 'No office on record') end as office,
    case when per_source.source = 'unknown' then null else coalesce(quality.organization, 'No organization on record') end as organization,
    quality.liaison,
    1 as clinicians,
    per_source.* exclude (source),
    quality.conversion_shrunk,
    quality.conversion_shrunk_low,
    quality.conversion_shrunk_high,
    quality.no_show_rate
  from per_source
  left join source_quality as quality on quality.source = per_source.source
  left join int_source_names as names on names.source = per_source.source
),
labelled as (
  select
    *,
    name || ' (' || coalesce(npi, 'no NPI, directory id ' || source) || ')' as clinician_label
  from clinicians
),
known as (
  select * from labelled where source <> 'unknown'
),
rolled as (
  select
    case when grouping(office) = 0 then 'office' else 'organization' end as level,
    office,
    organization,
    string_agg(distinct liaison, ', ' order by liaison) as liaison,
    count(*) as clinicians,
    string_agg(clinician_label, ', ' order by referrals desc, clinician_label) as clinician_npis,
    sum(referrals) as referrals,
    sum(last_13_weeks) as last_13_weeks,
    sum(previous_13_weeks) as previous_13_weeks,
    sum(in_scope_count) as in_scope_count,
    sum(incomplete_at_receipt_count) as incomplete_at_receipt_count,
    sum(conversion_denominator) as conversion_denominator,
    sum(conversions) as conversions,
    sum(with_visit_count) as with_visit_count,
    sum(loop_closed_count) as loop_closed_count,
    max(last_referral_at) as last_referral_at
  from known
  group by grouping sets ((organization, office), (organization))
),
all_levels as (
  select
    level, source, npi, name, office, organization, liaison, clinicians,
    case when source = 'unknown' then null else clinician_label end as clinician_npis,
    referrals, last_13_weeks, previous_13_weeks, in_scope_count, incomplete_at_receipt_count,
    conversion_denominator, conversions, with_visit_count, loop_closed_count, last_referral_at,
    conversion_shrunk, conversion_shrunk_low, conversion_shrunk_high, no_show_rate
  from labelled
  union all by name
  select
    level, null as source, null as npi,
    case when level = 'office' then office else organization end as name,
    office, organization, liaison, clinicians, clinician_npis,
    referrals, last_13_weeks, previous_13_weeks, in_scope_count, incomplete_at_receipt_count,
    conversion_denominator, conversions, with_visit_count, loop_closed_count, last_referral_at
  from rolled
),
totals as (
  select sum(referrals) filter (where source <> 'unknown') as known_referrals, sum(referrals) as all_referrals
  from clinicians
),
final as (
  select
    all_levels.level,
    all_levels.source,
    all_levels.npi,
    all_levels.name,
    all_levels.office,
    all_levels.organization,
    all_levels.liaison,
    all_levels.clinicians,
    all_levels.clinician_npis,
    all_levels.referrals,
    cast(all_levels.referrals as double) / (case when all_levels.source = 'unknown' then totals.all_referrals else totals.known_referrals end) as share_of_referrals,
    all_levels.last_13_weeks,
    all_levels.previous_13_weeks,
    all_levels.in_scope_count,
    cast(all_levels.in_scope_count as double) / all_levels.referrals as in_scope_rate,
    all_levels.incomplete_at_receipt_count,
    cast(all_levels.in_scope_count - all_levels.incomplete_at_receipt_count as double) / nullif(all_levels.in_scope_count, 0) as complete_at_receipt_rate,
    cast(all_levels.incomplete_at_receipt_count as double) / nullif(all_levels.in_scope_count, 0) as incomplete_at_receipt_rate,
    all_levels.conversion_denominator,
    all_levels.conversions,
    cast(all_levels.conversions as double) / nullif(all_levels.conversion_denominator, 0) as conversion_rate,
    all_levels.conversion_shrunk,
    all_levels.conversion_shrunk_low,
    all_levels.conversion_shrunk_high,
    all_levels.no_show_rate,
    all_levels.with_visit_count,
    all_levels.loop_closed_count,
    cast(all_levels.loop_closed_count as double) / nullif(all_levels.with_visit_count, 0) as loop_closure_rate,
    all_levels.last_referral_at
  from all_levels
  cross join totals
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join params
)
select * from stamped
