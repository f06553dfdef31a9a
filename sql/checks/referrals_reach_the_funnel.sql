-- Checks: fct_referrals
-- Severity: error
-- When it fires: referrals known at as_of are missing from fct_referrals; fix int_referrals or fct_referrals before publishing.
select referral_id
from int_referrals
anti join fct_referrals on fct_referrals.referral_id = int_referrals.referral_id
