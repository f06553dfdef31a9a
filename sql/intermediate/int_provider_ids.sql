-- Grain: one row per provider_id of the referring-clinician directory, with the entry it names.
--
-- A source system may name a clinician by its own provider_id instead of an
-- NPI (a referral's referring_id, an activity's provider_id). The id resolves
-- to the entry's provider_key: its NPI when it has a valid one, so a clinician
-- is one source however they are named; the provider_id itself when it has
-- none. Should two entries with valid NPIs carry the same provider_id (a
-- conflict in the directory), the one from the latest extract wins, then the
-- smaller provider_key.
select provider_id, first(provider_key order by applied_order desc nulls last, provider_key) as provider_key
from int_providers
where provider_id is not null
group by provider_id
