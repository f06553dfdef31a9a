-- Grain: one row per appointment known at as_of, with the referral it belongs to.
--
-- Linking (metrics.md):
-- 1. An appointment whose referral_id names a referral known at as_of belongs to it.
-- 2. Otherwise it belongs to the most recent referral of the same patient and
--    service line received at or before booked_at and at most
--    match_window_days (× 24 hours) before it; ties go to the larger
--    referral_id compared as text.
-- 3. None such: it is unlinked (linked_referral_id null), counted in
--    data_quality, not in the funnel.
with appointments as (
  select * from int_appointments
),
referrals as (
  select referral_id, patient_key, service_line, received_at from int_referrals
),
params as (
  select * from config_params
),
by_referral_id as (
  select appointments.appointment_id, appointments.referral_id as linked_referral_id
  from appointments
  semi join referrals on referrals.referral_id = appointments.referral_id
),
unmatched as (
  select appointments.*
  from appointments
  anti join by_referral_id on by_referral_id.appointment_id = appointments.appointment_id
),
by_patient as (
  select
    unmatched.appointment_id,
    referrals.referral_id as linked_referral_id,
    row_number() over (
      partition by unmatched.appointment_id
      order by referrals.received_at desc, referrals.referral_id desc
    ) as preference
  from unmatched
  join referrals
    on referrals.patient_key = unmatched.patient_key
    and referrals.service_line = unmatched.service_line
    and referrals.received_at <= unmatched.booked_at
  cross join params
  where referrals.received_at >= unmatched.booked_at - to_hours(params.match_window_days * 24)
),
links as (
  select appointment_id, linked_referral_id, 'referral_id' as link_rule from by_referral_id
  union all
  select appointment_id, linked_referral_id, 'patient_and_service_line' as link_rule from by_patient where preference = 1
),
linked as (
  select appointments.*, links.linked_referral_id, links.link_rule
  from appointments
  left join links on links.appointment_id = appointments.appointment_id
)
select * from linked
