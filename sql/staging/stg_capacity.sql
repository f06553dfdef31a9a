-- Grain: one row per service line and week (the week's Monday).
with source as (
  select * from capacity
),
renamed as (
  select service_line, week_start, new_patient_slots
  from source
)
select * from renamed
