-- Grain: one row per referral from a known source (not 'unknown') received in the source window: the year the outreach rules judge.
--
-- The year before as_of (fct_referrals.is_in_source_window), split once for
-- every outreach model: is_recent for the last outreach_recent_days (config
-- outreach.recent_days, default 91: 13 weeks) before as_of, the rest of the
-- year the baseline.
--
-- @column referral_id: The referral (fct_referrals.referral_id).
-- @column source: Its source (fct_referrals.source).
-- @column received_at: When it was received.
-- @column in_scope: fct_referrals.in_scope.
-- @column docs_complete_at_receipt: fct_referrals.docs_complete_at_receipt.
-- @column is_leakage_window_passed: fct_referrals.is_leakage_window_passed.
-- @column has_visit_within_leakage_window: fct_referrals.has_visit_within_leakage_window.
-- @column is_recent: Received in the recent window (after as_of minus outreach_recent_days); false for the baseline.
select
  fct_referrals.referral_id,
  fct_referrals.source,
  fct_referrals.received_at,
  fct_referrals.in_scope,
  fct_referrals.docs_complete_at_receipt,
  fct_referrals.is_leakage_window_passed,
  fct_referrals.has_visit_within_leakage_window,
  fct_referrals.received_at > config_params.as_of - to_days(cast(config_thresholds.outreach_recent_days as integer)) as is_recent
from fct_referrals
cross join config_params
cross join config_thresholds
where fct_referrals.source <> 'unknown' and fct_referrals.is_in_source_window
