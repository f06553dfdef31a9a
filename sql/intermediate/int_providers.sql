-- Grain: one row per clinician in the referring-clinician directory, keyed by
-- provider_key (the valid NPI, else the source system's provider_id).
--
-- The directory lands one row per key, so a clinician first exported without
-- an NPI (keyed by provider_id) and later with one (keyed by the NPI) would
-- be there twice. An entry without a valid NPI is therefore left out when an
-- entry with a valid NPI carries the same provider_id: it is the same
-- clinician, and the NPI entry is the one referrals resolve to
-- (int_referral_sources), so outreach does not see a silent twin.
with providers as (
  select * from stg_providers
),
known_by_npi as (
  select distinct provider_id from providers where npi is not null and provider_id is not null
),
clinicians as (
  select * from providers where npi is not null
  union all
  select providers.*
  from providers
  anti join known_by_npi on known_by_npi.provider_id = providers.provider_id
  where providers.npi is null
)
select * from clinicians
