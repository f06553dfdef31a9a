-- Grain: one row per appointment and per visit known at as_of that may need
-- rule 2 and has a referral to fall back on: appointments without a known
-- referral_id, and visits that neither name a known referral themselves
-- (rule 0) nor come from an appointment that carries one (matching the
-- rest, 80% of them, cost most of this model and was never used).
--
-- Linking rule 2 of docs/metrics.md, written once for both: the most recent
-- referral of the same patient and service line received at or before the
-- appointment's booked_at (its start_at when booked_at is unknown:
-- int_appointments.matched_at; the visit's visit_at) and at most
-- match_window_days × 24 hours before it; ties go to the larger referral_id
-- compared as text. int_appointment_links and int_visit_links use it when
-- rule 1 (a known referral id), rule 0 (a visit's known referral id) or
-- rule 3 (a linked appointment) gives nothing.
with referrals as (
  select referral_id, patient_key, service_line, received_at from int_referrals
),
params as (
  select * from config_params
),
appointments_with_referral as (
  select appointments.appointment_id
  from int_appointments as appointments
  semi join referrals on referrals.referral_id = appointments.referral_id
),
visits_with_referral as (
  select visits.visit_id
  from int_visits as visits
  semi join referrals on referrals.referral_id = visits.referral_id
),
candidates as (
  select 'appointment' as record_type, appointment_id as record_id, patient_key, service_line, matched_at
  from int_appointments as appointments
  anti join appointments_with_referral as linked on linked.appointment_id = appointments.appointment_id
  union all
  select 'visit' as record_type, visits.visit_id as record_id, visits.patient_key, visits.service_line, visits.visit_at as matched_at
  from int_visits as visits
  anti join appointments_with_referral as linked on linked.appointment_id = visits.appointment_id
  anti join visits_with_referral as named on named.visit_id = visits.visit_id
),
ranked as (
  select
    candidates.record_type,
    candidates.record_id,
    referrals.referral_id,
    row_number() over (
      partition by candidates.record_type, candidates.record_id
      order by referrals.received_at desc, referrals.referral_id desc
    ) as preference
  from candidates
  join referrals
    on referrals.patient_key = candidates.patient_key
    and referrals.service_line = candidates.service_line
    and referrals.received_at <= candidates.matched_at
  cross join params
  where referrals.received_at >= candidates.matched_at - to_hours(params.match_window_days * 24)
)
select record_type, record_id, referral_id from ranked where preference = 1
