-- Grain: one row per referral, as landed (PHI already removed at ingest).
-- Renames only, and the referral's source: its valid referring NPI, or
-- 'unknown' when it has none (metrics.md).
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
    coalesce(referring_npi, 'unknown') as source,
    referring_name,
    referring_practice,
    service_line,
    referral_type,
    urgency,
    channel,
    reason_code,
    payer_type,
    coalesce(documents, []::varchar[]) as documents
  from source
)
select * from renamed
