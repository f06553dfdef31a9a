-- Grain: one row per (measure, service_line, urgency, bucket) with at least one referral: how long referrals waited, in the dashboards' buckets.
--
-- Window: referrals received in the buckets_window_days before as_of (config
-- buckets.window_days, default 182: 26 weeks), as_of included, the start
-- excluded. Measures:
-- - hours_to_contact: real elapsed hours from receipt to first contact, for
--   in-scope referrals that were contacted;
-- - days_to_appointment: calendar days from receipt to the first appointment,
--   for referrals with one (in scope or not).
-- The buckets and their labels are config_buckets (config buckets.<measure>):
-- a value v falls in the bucket with lower_bound <= v < upper_bound, the last
-- bucket having no upper bound. A page orders the buckets by bucket_order.
--
-- @column measure: hours_to_contact or days_to_appointment.
-- @column service_line: Service line requested.
-- @column urgency: routine, urgent or stat.
-- @column bucket_order: The bucket's place, 1 = shortest.
-- @column bucket: The bucket's label (config buckets.<measure>[].label).
-- @column lower_bound: The smallest value in the bucket (inclusive).
-- @column upper_bound: The bucket's upper edge (exclusive); null for the last bucket.
-- @column referrals: Referrals whose measure falls in the bucket.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique measure, service_line, urgency, bucket_order
-- @not_null measure, bucket_order, bucket, referrals
-- @accepted_values measure: hours_to_contact, days_to_appointment
with params as (
  select config_params.as_of, config_params.run_id, config_thresholds.buckets_window_days
  from config_params cross join config_thresholds
),
in_window as (
  select fct_referrals.*
  from fct_referrals
  cross join params
  where fct_referrals.received_at > params.as_of - to_days(cast(params.buckets_window_days as integer))
),
measured as (
  select 'hours_to_contact' as measure, service_line, urgency, hours_to_contact as value
  from in_window
  where in_scope and hours_to_contact is not null
  union all
  select 'days_to_appointment' as measure, service_line, urgency, days_to_appointment as value
  from in_window
  where days_to_appointment is not null
),
bucketed as (
  select
    measured.measure,
    measured.service_line,
    measured.urgency,
    buckets.bucket_order,
    buckets.label as bucket,
    buckets.lower_bound,
    buckets.upper_bound,
    count(*) as referrals
  from measured
  join config_buckets as buckets
    on buckets.measure = measured.measure
   and measured.value >= buckets.lower_bound
   and (buckets.upper_bound is null or measured.value < buckets.upper_bound)
  group by all
),
stamped as (
  select bucketed.*, params.as_of, params.run_id
  from bucketed
  cross join params
)
select * from stamped
