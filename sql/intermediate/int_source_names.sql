-- Grain: one row per clinician: every valid referring NPI and every directory entry.
--
-- Who a source is, for every mart that names one: the directory's entry where
-- there is one, else how the referrals themselves name the clinician and
-- office (the most common spelling).
with written as (
  select source, mode(referring_name) as written_name, mode(referring_practice) as written_practice
  from int_referrals
  where source <> 'unknown'
  group by source
),
identity as (
  select
    coalesce(written.source, providers.npi) as source,
    coalesce(providers.provider_name, written.written_name) as display_name,
    coalesce(providers.practice, written.written_practice) as display_practice,
    providers.organization,
    providers.specialty,
    providers.relationship,
    providers.liaison
  from written
  full outer join stg_providers as providers on providers.npi = written.source
)
select * from identity
