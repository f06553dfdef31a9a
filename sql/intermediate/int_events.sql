-- Grain: one row per work-queue event that happened at or before as_of.
--
-- A filter of every event (four per referral) that three models read: a
-- view, so each scans the events table itself, only the columns it needs,
-- rather than a copy made first (the copy cost more than the three reads).
-- @view
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
