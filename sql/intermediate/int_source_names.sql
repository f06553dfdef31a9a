-- Grain: one row per clinician: every source named by a referral and every
-- directory entry (int_providers).
--
-- Who a source is, for every mart that names one: the directory's entry
-- where there is one, matched on its key (provider_key: the valid NPI, else
-- the provider_id, which is what a referral's source resolves to), else how
-- the referrals themselves name the clinician and office (the most common
-- spelling). A directory entry known only by provider_id is a source of its
-- own, shown by its directory name. npi is the clinician's NPI: the
-- directory's, else the source itself (a source outside the directory is
-- always a valid referring NPI); null for an entry known only by provider_id.
with written as (
  select source, mode(referring_name) as written_name, mode(referring_practice) as written_practice
  from int_referrals
  where source <> 'unknown'
  group by source
),
identity as (
  select
    coalesce(written.source, providers.provider_key) as source,
    case when providers.provider_key is not null then providers.npi else written.source end as npi,
    coalesce(providers.provider_name, written.written_name) as display_name,
    coalesce(providers.practice, written.written_practice) as display_practice,
    providers.organization,
    providers.specialty,
    providers.relationship,
    providers.liaison
  from written
  full outer join int_providers as providers on providers.provider_key = written.source
)
select * from identity
