-- Grain: one row per entry in the referring-clinician directory, keyed by
-- provider_key: the entry's valid NPI, else the source system's provider_id.
with source as (
  select * from providers
),
renamed as (
  select
    provider_key,
    npi,
    provider_id,
    name as provider_name,
    specialty,
    practice,
    organization,
    zip as office_zip,
    relationship,
    liaison,
    applied_order
  from source
)
select * from renamed
