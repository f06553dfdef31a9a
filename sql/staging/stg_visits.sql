-- Grain: one row per visit.
with source as (
  select * from visits
),
renamed as (
  select visit_id, appointment_id, patient_key, service_line, visit_at, summary_sent_at
  from source
)
select * from renamed
