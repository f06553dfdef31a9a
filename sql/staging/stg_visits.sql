-- Grain: one row per visit. referral_id is set where the source system knows
-- the referral the visit belongs to (linking rule 0).
with source as (
  select * from visits
),
renamed as (
  select visit_id, referral_id, appointment_id, patient_key, service_line, visit_at, summary_sent_at
  from source
)
select * from renamed
