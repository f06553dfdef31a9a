-- Grain: one row per referral (as landed), with its source.
--
-- A referral's source (docs/metrics.md) is its valid referring_npi; else its
-- referring_id when the providers directory holds that provider_id; else
-- 'unknown'. A referring_id found in the directory resolves to the entry's
-- key (int_provider_ids), so one clinician is one source whether a referral
-- names them by NPI or by id, and every referral has exactly one source. The
-- match is exact (ids are the sending system's own, compared as written).
-- Read only by int_referrals, which copies it: a view, not a second copy.
-- @view
with referrals as (
  select referral_id, referring_npi, referring_id from stg_referrals
),
resolved as (
  select
    referrals.referral_id,
    case
      when referrals.referring_npi is not null then referrals.referring_npi
      when by_provider_id.provider_key is not null then by_provider_id.provider_key
      else 'unknown'
    end as source,
    case
      when referrals.referring_npi is not null then 'referring_npi'
      when by_provider_id.provider_key is not null then 'referring_id'
      else 'unknown'
    end as source_rule,
    referrals.referring_npi is null
      and referrals.referring_id is not null
      and by_provider_id.provider_key is null as has_unknown_referring_id
  from referrals
  left join int_provider_ids as by_provider_id on by_provider_id.provider_id = referrals.referring_id
)
select * from resolved
