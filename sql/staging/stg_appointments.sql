-- Grain: one row per appointment, with the latest extract's status
-- (appointment status has no history). booked_at is null when the export
-- lacks it; first_loaded_at is when a row with this appointment_id was first
-- loaded, which bounds when the practice knew of it.
with source as (
  select * from appointments
),
renamed as (
  select appointment_id, referral_id, patient_key, service_line, appointment_type, booked_at, start_at, status, first_loaded_at
  from source
)
select * from renamed
