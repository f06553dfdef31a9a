-- Grain: one row per source with at least one referral in the trailing window.
--
-- Window: referrals received in the source_window_days (× 24 hours) before
-- as_of, both ends included. A source is the valid referring NPI, else the
-- directory entry the referral's referring_id names (its NPI when it has a
-- valid one, else its provider_id), else 'unknown' (fct_referrals.source).
-- Rates are null when their denominator is empty:
-- - in_scope_rate: in-scope / referrals;
-- - complete_at_receipt_rate: complete at receipt / in-scope;
-- - conversion_rate: among in-scope referrals whose leakage window had passed
--   at as_of, the share with a visit within that window;
-- - no_show_rate: no-show appointments / appointments (of these referrals)
--   that started by as_of and were not cancelled;
-- - loop_closure_rate: referrals with the loop closed / referrals with a visit.
--
-- Ranking sources on a raw rate from few referrals misleads, so conversion is
-- also estimated with empirical-Bayes shrinkage: a beta prior fitted to the
-- sources by the method of moments (from sources with at least 5 matured
-- referrals, binomial noise removed from the spread; a weak prior of
-- strength 20 at the overall rate when that cannot be fitted), and each
-- source's posterior mean with a 95% interval (normal approximation to the
-- beta posterior, clipped to 0–1). Small sources are pulled toward the
-- overall rate and get wide intervals.
--
-- @column source: The referring clinician: their NPI, or the directory provider_id of one without a valid NPI; 'unknown' for referrals that name neither a valid NPI nor a provider_id in the directory.
-- @column source_name: The clinician's name in the directory, else as written on their referrals.
-- @column source_practice: The clinician's office in the directory, else as written on the referrals.
-- @column organization: The clinician's group or network (directory).
-- @column liaison: The outreach team member who owns the relationship (directory).
-- @column referrals: Referrals in the window.
-- @column in_scope_rate: In-scope referrals / referrals.
-- @column complete_at_receipt_rate: Referrals complete at receipt / in-scope referrals.
-- @column conversion_denominator: In-scope referrals whose leakage window had passed at as_of.
-- @column conversions: Of those, referrals with a visit within the leakage window.
-- @column conversion_rate: conversions / conversion_denominator.
-- @column conversion_shrunk: Empirical-Bayes estimate of the conversion rate (shrunk toward the overall rate).
-- @column conversion_shrunk_low: Lower end of its 95% interval.
-- @column conversion_shrunk_high: Upper end of its 95% interval.
-- @column no_show_rate: No-show appointments / appointments that started by as_of and were not cancelled.
-- @column median_days_to_appointment: Median calendar days from receipt to first appointment, over referrals with one.
-- @column loop_closure_rate: Referrals with the loop closed / referrals with a visit.
-- @column last_referral_at: The latest referral received up to as_of.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique source
-- @not_null source, referrals
with params as (
  select * from config_params
),
in_window as (
  select * from fct_referrals where is_in_source_window
),
appointments as (
  select
    in_window.source,
    count(*) filter (where links.status = 'no_show') as no_shows,
    count(*) as started_not_cancelled
  from int_appointment_links as links
  join in_window on in_window.referral_id = links.linked_referral_id
  cross join params
  where links.start_at <= params.as_of and links.status <> 'cancelled'
  group by in_window.source
),
per_source as (
  select
    source,
    count(*) as referrals,
    count(*) filter (where in_scope) as in_scope,
    count(*) filter (where docs_complete_at_receipt) as complete_at_receipt,
    count(*) filter (where in_scope and is_leakage_window_passed) as conversion_denominator,
    count(*) filter (where in_scope and is_leakage_window_passed and has_visit_within_leakage_window) as conversions,
    median(days_to_appointment) as median_days_to_appointment,
    count(*) filter (where is_completed) as with_visit,
    count(*) filter (where is_completed and is_loop_closed) as loop_closed,
    max(received_at) as last_referral_at
  from in_window
  group by source
),
prior_moments as (
  select
    cast(sum(conversions) as double) / nullif(sum(conversion_denominator), 0) as mean_rate,
    var_samp(cast(conversions as double) / conversion_denominator) filter (where conversion_denominator >= 5) as observed_variance,
    avg(1 / cast(conversion_denominator as double)) filter (where conversion_denominator >= 5) as mean_inverse_n,
    count(*) filter (where conversion_denominator >= 5) as sources_fitted
  from per_source
),
prior as (
  select
    mean_rate,
    observed_variance - mean_rate * (1 - mean_rate) * mean_inverse_n as true_variance,
    case
      when sources_fitted >= 5 and observed_variance - mean_rate * (1 - mean_rate) * mean_inverse_n > 1e-6
        then least(1000, greatest(2, mean_rate * (1 - mean_rate) / (observed_variance - mean_rate * (1 - mean_rate) * mean_inverse_n) - 1))
      else 20
    end as prior_strength
  from prior_moments
),
shrunk as (
  select
    per_source.*,
    (prior.mean_rate * prior.prior_strength + per_source.conversions) / (prior.prior_strength + per_source.conversion_denominator) as posterior_mean,
    prior.prior_strength + per_source.conversion_denominator as posterior_strength
  from per_source
  cross join prior
),
names as (
  select * from int_source_names
),
final as (
  select
    shrunk.source,
    names.display_name as source_name,
    names.display_practice as source_practice,
    names.organization,
    names.liaison,
    shrunk.referrals,
    cast(shrunk.in_scope as double) / shrunk.referrals as in_scope_rate,
    cast(shrunk.complete_at_receipt as double) / nullif(shrunk.in_scope, 0) as complete_at_receipt_rate,
    shrunk.conversion_denominator,
    shrunk.conversions,
    cast(shrunk.conversions as double) / nullif(shrunk.conversion_denominator, 0) as conversion_rate,
    shrunk.posterior_mean as conversion_shrunk,
    greatest(0, shrunk.posterior_mean - 1.96 * sqrt(shrunk.posterior_mean * (1 - shrunk.posterior_mean) / (shrunk.posterior_strength + 1))) as conversion_shrunk_low,
    least(1, shrunk.posterior_mean + 1.96 * sqrt(shrunk.posterior_mean * (1 - shrunk.posterior_mean) / (shrunk.posterior_strength + 1))) as conversion_shrunk_high,
    cast(appointments.no_shows as double) / nullif(appointments.started_not_cancelled, 0) as no_show_rate,
    shrunk.median_days_to_appointment,
    cast(shrunk.loop_closed as double) / nullif(shrunk.with_visit, 0) as loop_closure_rate,
    shrunk.last_referral_at
  from shrunk
  left join names on names.source = shrunk.source
  left join appointments on appointments.source = shrunk.source
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
