-- Grain: one row per touch of the outreach team (liaison_activities, as landed; the note is never stored).
with source as (
  select * from liaison_activities
),
renamed as (
  select activity_id, "at" as touched_at, liaison, npi, provider_id, practice, "type" as activity_type
  from source
)
select * from renamed
