-- Grain: one row per referral (as landed), with its source.
--
-- A referral's source (docs/metrics.md) is its valid referring_npi; else its
-- referring_id when the providers directory holds that provider_id; else
-- 'unknown'. A referring_id found in the directory resolves to the entry's
-- key, provider_key: the entry's NPI when it has a valid one, so one
-- clinician is one source whether a referral names them by NPI or by id;
-- the provider_id itself when it has none. The match is exact (ids are the
-- sending system's own, compared as written).
--
-- Should two directory entries with valid NPIs carry the same provider_id
-- (a conflict in the directory), the one from the latest extract wins, then
-- the smaller provider_key, so every referral has exactly one source.
with referrals as (
  select referral_id, referring_npi, referring_id from stg_referrals
),
directory as (
  select provider_id, provider_key, applied_order from int_providers where provider_id is not null
),
by_provider_id as (
  select provider_id, first(provider_key order by applied_order desc nulls last, provider_key) as provider_key
  from directory
  group by provider_id
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
  left join by_provider_id on by_provider_id.provider_id = referrals.referring_id
)
select * from resolved
