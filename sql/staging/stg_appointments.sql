-- Grain: one row per appointment, with the latest extract's status
-- (appointment status has no history).
with source as (
  select * from appointments
),
renamed as (
  select appointment_id, referral_id, patient_key, service_line, appointment_type, booked_at, start_at, status
  from source
)
select * from renamed
