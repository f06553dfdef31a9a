-- Grain: one row per (measure, service_line, urgency, bucket) with at least one referral, service_line and urgency 'all' included: duration_buckets with its totals, what Intake's charts draw.
--
-- The counts of duration_buckets (its window, measures and buckets), summed
-- over every service line (service_line 'all'), over every urgency (urgency
-- 'all'), or both. A bucket no referral fell in has no row, as in
-- duration_buckets.
--
-- @column measure: hours_to_contact or days_to_appointment.
-- @column service_line: Service line requested, or 'all'.
-- @column urgency: routine, urgent or stat, or 'all'.
-- @column bucket_order: The bucket's place, 1 = shortest.
-- @column bucket: The bucket's label (config buckets.<measure>[].label).
-- @column referrals: Referrals whose measure falls in the bucket.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique measure, service_line, urgency, bucket_order
-- @not_null measure, service_line, urgency, bucket_order, bucket, referrals
-- @accepted_values measure: hours_to_contact, days_to_appointment
with buckets as (
  select * from duration_buckets
),
totals as (
  select
    measure,
    case when grouping(service_line) = 1 then 'all' else service_line end as service_line,
    case when grouping(urgency) = 1 then 'all' else urgency end as urgency,
    bucket_order,
    bucket,
    sum(referrals) as referrals
  from buckets
  group by grouping sets (
    (measure, service_line, urgency, bucket_order, bucket),
    (measure, urgency, bucket_order, bucket),
    (measure, service_line, bucket_order, bucket),
    (measure, bucket_order, bucket)
  )
),
stamped as (
  select totals.*, params.as_of, params.run_id
  from totals
  cross join config_params as params
)
select * from stamped
