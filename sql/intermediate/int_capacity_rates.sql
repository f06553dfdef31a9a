-- Grain: one row per service line with referrals in the rate window: the rates that turn the capacity forecast's referrals into new-patient visits.
--
-- Rate window: referrals received from forecast_rates_from_days to
-- forecast_rates_to_days before as_of (config forecast.rates_from_days and
-- forecast.rates_to_days, defaults 365 and 90), both ends included: old
-- enough that their bookings and first visits are known, recent enough to
-- describe today's practice.
-- - booking_rate: the share of them with an appointment known (is_scheduled,
--   any status).
-- - show_rate: of those whose first appointment (the earliest not cancelled,
--   started by as_of) is known, the share whose first appointment was not a
--   no-show; null when none had one. Two first appointments at the same
--   start (a double booking): one the patient did not miss counts, so the
--   rate is the same from run to run whatever order the rows are read in.
--
-- @column service_line: Service line of the referrals.
-- @column referrals: Referrals received in the rate window.
-- @column booking_rate: Share of them with an appointment booked (any status).
-- @column show_rate: Share of first appointments that were attended (not a no-show).
with params as (
  select config_params.as_of, config_thresholds.forecast_rates_from_days, config_thresholds.forecast_rates_to_days
  from config_params cross join config_thresholds
),
firsts as (
  select links.linked_referral_id as referral_id, min_by(links.status, (links.start_at, links.status = 'no_show')) as status
  from int_appointment_links as links
  cross join params
  where links.linked_referral_id is not null and links.status <> 'cancelled' and links.start_at <= params.as_of
  group by 1
),
in_window as (
  select f.*
  from fct_referrals as f
  cross join params
  where f.received_at between params.as_of - to_days(cast(params.forecast_rates_from_days as integer))
                          and params.as_of - to_days(cast(params.forecast_rates_to_days as integer))
),
rates as (
  select
    in_window.service_line,
    count(*) as referrals,
    avg(case when in_window.is_scheduled then 1 else 0 end) as booking_rate,
    avg(case when firsts.status is null then null when firsts.status = 'no_show' then 0 else 1 end) as show_rate
  from in_window
  left join firsts on firsts.referral_id = in_window.referral_id
  group by in_window.service_line
)
select * from rates
