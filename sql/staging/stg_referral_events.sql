-- Grain: one row per intake work-queue event.
with source as (
  select * from referral_events
),
renamed as (
  select referral_id, event_type, event_at, detail
  from source
)
select * from renamed
