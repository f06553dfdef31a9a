-- Grain: one row per appointment booked at or before as_of (it may start
-- later: a future appointment is known). Status is the latest extract's.
with appointments as (
  select * from stg_appointments
),
params as (
  select * from config_params
),
known as (
  select appointments.*
  from appointments, params
  where appointments.booked_at <= params.as_of
)
select * from known
