-- Grain: one row per appointment known at as_of (it may start later: a
-- future appointment is known). Status is the latest extract's.
--
-- An appointment is known from its booked_at. Many exports lack the booking
-- time: such an appointment is known from the earlier of its start_at and
-- first_loaded_at, the time its extract was first loaded (docs/metrics.md), boundary
-- included. known_at is that moment. matched_at is the moment linking rule 2
-- matches referrals against: booked_at, else start_at.
--
-- A filter of the appointments that two models read: a view, so each reads
-- the appointments table itself rather than a copy made first.
-- @view
with appointments as (
  select * from stg_appointments
),
params as (
  select * from config_params
),
timed as (
  select
    appointments.*,
    -- least() skips nulls: without a load time, start_at alone decides.
    coalesce(appointments.booked_at, least(appointments.start_at, appointments.first_loaded_at)) as known_at,
    coalesce(appointments.booked_at, appointments.start_at) as matched_at
  from appointments
),
known as (
  select timed.*
  from timed, params
  where timed.known_at <= params.as_of
)
select * from known
