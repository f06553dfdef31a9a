-- Grain: one row per appointment known at as_of, with the referral it belongs to.
--
-- Linking (docs/metrics.md):
-- 1. An appointment whose referral_id names a referral known at as_of belongs to it.
-- 2. Otherwise it belongs to the most recent referral of the same patient and
--    service line received at or before booked_at (start_at when booked_at
--    is unknown) and at most match_window_days (× 24 hours) before it; ties
--    go to the larger referral_id compared as text (int_patient_matches).
-- 3. None such: it is unlinked (linked_referral_id null), counted in
--    data_quality, not in the funnel.
with appointments as (
  select * from int_appointments
),
referrals as (
  select referral_id from int_referrals
),
by_referral_id as (
  select appointments.appointment_id, appointments.referral_id as linked_referral_id
  from appointments
  semi join referrals on referrals.referral_id = appointments.referral_id
),
by_patient as (
  select record_id as appointment_id, referral_id as linked_referral_id
  from int_patient_matches
  where record_type = 'appointment'
),
links as (
  select appointments.appointment_id, coalesce(by_referral_id.linked_referral_id, by_patient.linked_referral_id) as linked_referral_id,
    case when by_referral_id.linked_referral_id is not null then 'referral_id' when by_patient.linked_referral_id is not null then 'patient_and_service_line' end as link_rule
  from appointments
  left join by_referral_id on by_referral_id.appointment_id = appointments.appointment_id
  left join by_patient on by_patient.appointment_id = appointments.appointment_id
),
linked as (
  select appointments.*, links.linked_referral_id, links.link_rule
  from appointments
  join links on links.appointment_id = appointments.appointment_id
)
select * from linked
