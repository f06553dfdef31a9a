-- Grain: one row per referral, as landed (PHI already removed at ingest).
-- Renames only: the referral's source (its NPI, else its referring_id looked
-- up in the providers directory) is resolved in int_referral_sources.
with source as (
  select * from referrals
),
renamed as (
  select
    referral_id,
    received_at,
    patient_key,
    age_band,
    patient_zip3,
    patient_sex,
    referring_npi,
    has_invalid_referring_npi,
    referring_id,
    referring_name,
    referring_practice,
    service_line,
    referral_type,
    urgency,
    channel,
    reason_code,
    payer_type,
    coalesce(documents, cast([] as varchar[])) as documents
  from source
)
select * from renamed
