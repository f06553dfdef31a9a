-- Grain: one row per (activity, referring clinician touched): the liaison_activities known at as_of, each resolved to the sources it reached.
--
-- An activity names one clinician by a valid npi, or by the source system's
-- provider_id (resolved through the directory, int_provider_ids, as a
-- referral's referring_id is), or names an office (practice): a touch of an
-- office touches every clinician the directory lists at it, each a row. An
-- activity that resolves to nobody (an unknown id, an office the directory
-- does not list) has no row. touch_week is the local ISO week of the touch.
with activities as (
  select stg_liaison_activities.*
  from stg_liaison_activities
  cross join config_params
  where stg_liaison_activities.touched_at <= config_params.as_of
),
by_clinician as (
  select activities.*, coalesce(activities.npi, by_provider_id.provider_key) as source
  from activities
  left join int_provider_ids as by_provider_id on by_provider_id.provider_id = activities.provider_id
  where activities.npi is not null or by_provider_id.provider_key is not null
),
by_office as (
  select activities.*, offices.provider_key as source
  from activities
  join (select distinct provider_key, practice from int_providers where practice is not null) as offices
    on offices.practice = activities.practice
  where activities.npi is null and activities.provider_id is null
),
touches as (
  select * from by_clinician
  union all
  select * from by_office
)
select
  activity_id,
  touched_at,
  cast(date_trunc('week', local_date(touched_at)) as date) as touch_week,
  liaison,
  activity_type,
  source
from touches
