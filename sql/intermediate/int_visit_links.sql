-- Grain: one row per visit known at as_of, with the referral it belongs to.
--
-- A visit belongs to its appointment's referral. A visit without a linked
-- appointment (none given, not found, or itself unlinked) is matched like an
-- appointment without a referral id, with visit_at in place of booked_at.
with visits as (
  select * from int_visits
),
appointment_links as (
  select appointment_id, linked_referral_id from int_appointment_links where linked_referral_id is not null
),
referrals as (
  select referral_id, patient_key, service_line, received_at from int_referrals
),
params as (
  select * from config_params
),
via_appointment as (
  select visits.visit_id, appointment_links.linked_referral_id
  from visits
  join appointment_links on appointment_links.appointment_id = visits.appointment_id
),
unmatched as (
  select visits.*
  from visits
  anti join via_appointment on via_appointment.visit_id = visits.visit_id
),
by_patient as (
  select
    unmatched.visit_id,
    referrals.referral_id as linked_referral_id,
    row_number() over (
      partition by unmatched.visit_id
      order by referrals.received_at desc, referrals.referral_id desc
    ) as preference
  from unmatched
  join referrals
    on referrals.patient_key = unmatched.patient_key
    and referrals.service_line = unmatched.service_line
    and referrals.received_at <= unmatched.visit_at
  cross join params
  where referrals.received_at >= unmatched.visit_at - to_hours(params.match_window_days * 24)
),
links as (
  select visit_id, linked_referral_id, 'appointment' as link_rule from via_appointment
  union all
  select visit_id, linked_referral_id, 'patient_and_service_line' as link_rule from by_patient where preference = 1
),
linked as (
  select visits.*, links.linked_referral_id, links.link_rule
  from visits
  left join links on links.visit_id = visits.visit_id
)
select * from linked
