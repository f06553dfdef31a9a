-- Grain: one row per clinician in the referring-clinician directory.
with source as (
  select * from providers
),
renamed as (
  select
    npi,
    name as provider_name,
    specialty,
    practice,
    organization,
    zip as office_zip,
    relationship,
    liaison
  from source
)
select * from renamed
