-- Grain: one row per work-queue event that happened at or before as_of.
with events as (
  select * from stg_referral_events
),
params as (
  select * from config_params
),
known as (
  select events.*
  from events, params
  where events.event_at <= params.as_of
)
select * from known
