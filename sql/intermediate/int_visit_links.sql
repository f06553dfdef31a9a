-- Grain: one row per visit known at as_of, with the referral it belongs to.
--
-- Linking (docs/metrics.md), first rule that gives a referral wins:
-- 0. A visit whose referral_id names a referral known at as_of belongs to it
--    (link_rule 'referral_id'), whatever its appointment links to.
-- 3. Otherwise it belongs to its appointment's referral (link_rule
--    'appointment').
-- 2. A visit without a linked appointment (none given, not found, or itself
--    unlinked) is matched like an appointment without a referral id, with
--    visit_at in place of booked_at (int_patient_matches; link_rule
--    'patient_and_service_line').
-- None such: unlinked (linked_referral_id and link_rule null).
with visits as (
  select * from int_visits
),
referrals as (
  select referral_id from int_referrals
),
by_referral_id as (
  select visits.visit_id, visits.referral_id as linked_referral_id
  from visits
  semi join referrals on referrals.referral_id = visits.referral_id
),
appointment_links as (
  select appointment_id, linked_referral_id from int_appointment_links where linked_referral_id is not null
),
via_appointment as (
  select visits.visit_id, appointment_links.linked_referral_id
  from visits
  join appointment_links on appointment_links.appointment_id = visits.appointment_id
),
by_patient as (
  select record_id as visit_id, referral_id as linked_referral_id
  from int_patient_matches
  where record_type = 'visit'
),
links as (
  select
    visits.visit_id,
    coalesce(by_referral_id.linked_referral_id, via_appointment.linked_referral_id, by_patient.linked_referral_id) as linked_referral_id,
    case
      when by_referral_id.linked_referral_id is not null then 'referral_id'
      when via_appointment.linked_referral_id is not null then 'appointment'
      when by_patient.linked_referral_id is not null then 'patient_and_service_line'
    end as link_rule
  from visits
  left join by_referral_id on by_referral_id.visit_id = visits.visit_id
  left join via_appointment on via_appointment.visit_id = visits.visit_id
  left join by_patient on by_patient.visit_id = visits.visit_id
),
linked as (
  select visits.*, links.linked_referral_id, links.link_rule
  from visits
  join links on links.visit_id = visits.visit_id
)
select * from linked
