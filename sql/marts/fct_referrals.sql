-- Grain: one row per referral received at or before as_of.
--
-- The funnel of docs/metrics.md, one referral at a time. Only what was known at
-- as_of counts (boundary included); elapsed times are real elapsed time (a
-- span across a daylight-saving change counts its true hours); calendar days
-- and weeks are local to the practice.
--
-- In scope: the service line is configured and no `declined` event says
-- out_of_scope. Contact SLA: met when first contact came within the line's SLA
-- for the urgency (boundary included); missed when contact came late, or none
-- came and the SLA had passed at as_of; null while not yet due, and for
-- referrals out of scope or declined. Leaked: for an in-scope, undeclined
-- referral, false once it has a visit within leakage_window_days of receipt,
-- true when that window passed at as_of without one, null until then; false
-- for referrals out of scope or declined.
--
-- Source: the valid referring NPI; else the referring_id looked up among the
-- directory's provider_ids, resolving to that entry's key (its NPI when it
-- has a valid one, so one clinician is one source whether a referral names
-- them by NPI or by id; else the provider_id); else 'unknown'
-- (int_referral_sources). Scheduled: it has an appointment known at as_of,
-- any status; an appointment without booked_at is known from the earlier of
-- its start_at and its extract's first load. first_booked_at takes only
-- booking times the extracts state.
--
-- Impossible sequences (a contact, booking, appointment or visit recorded
-- before the referral arrived) are flagged in has_impossible_sequence and
-- never turned into negative durations: the duration is null instead, and so
-- is the SLA verdict that would rest on it.
--
-- @column referral_id: The receiving practice's id for the referral.
-- @column received_at: When the referral arrived.
-- @column received_date: The local date it arrived.
-- @column received_week: The ISO week it arrived, named by its Monday (local).
-- @column service_line: Service line requested (one not configured is out of scope).
-- @column referral_type: consult, diagnostic or post_discharge.
-- @column urgency: routine, urgent or stat.
-- @column channel: How the referral arrived (fax, portal, direct, phone, email, ehr).
-- @column payer_type: The patient's payer type.
-- @column age_band: The patient's age band at referral.
-- @column referring_npi: NPI of the referring clinician; null when missing or invalid.
-- @column source: The referral's source: its valid referring NPI; else, when its referring_id is a provider_id in the providers directory, that entry's key (its NPI when the entry has a valid one, so a clinician named by NPI or by id is one source; else the provider_id); else 'unknown'.
-- @column in_scope: The service line is configured and no declined event says out_of_scope.
-- @column declined: There is a declined event (any reason).
-- @column decline_reason: The detail of the first declined event.
-- @column docs_complete_at_receipt: Every required document came with the referral; null when not in scope.
-- @column docs_completed_at: received_at when complete at receipt, else when the last missing required document first arrived; null while any is missing and when not in scope.
-- @column first_contact_at: The earliest contact_made event.
-- @column hours_to_contact: Real elapsed hours from receipt to first contact; null if none (or recorded before receipt).
-- @column contact_sla_hours: The service line's contact SLA for the referral's urgency.
-- @column contact_sla_met: Contacted within the SLA (true), late or not at all once due (false); null when not yet due, out of scope or declined.
-- @column first_booked_at: The earliest known booked_at of its appointments (any status); null when none of them has a booked_at.
-- @column first_scheduled_at: When it first had an appointment known (any status): the earliest booked_at, or for an appointment without one the earlier of its start_at and its extract's first load (so a late bound on the booking).
-- @column first_appointment_at: The earliest start_at of its appointments that are not cancelled (may be after as_of).
-- @column days_to_appointment: Calendar days from the local receipt date to the local date of the first appointment.
-- @column no_shows: Its appointments with status no_show that started by as_of.
-- @column completed_visit_at: The earliest visit_at of its visits.
-- @column loop_closed_at: The earliest summary_sent_at of its visits (the referring clinician heard back).
-- @column has_visit_within_leakage_window: It has a visit within leakage_window_days of receipt.
-- @column is_leakage_window_passed: The leakage window had passed at as_of.
-- @column leaked: In scope and not declined, with no visit within leakage_window_days once that window passed; null until then; false when out of scope or declined.
-- @column is_docs_complete: Funnel stage: the packet is complete (docs_completed_at is set).
-- @column is_contacted: Funnel stage: the patient was contacted.
-- @column is_scheduled: Funnel stage: it has an appointment known at as_of (any status, booked_at known or not).
-- @column is_completed: Funnel stage: the patient had a visit.
-- @column is_loop_closed: Funnel stage: the visit summary went back to the referring clinician.
-- @column is_in_source_window: Received in the source_window_days (× 24 hours) before as_of, both ends included: the window of source_quality, document_gaps, source_concentration and outreach_priorities.
-- @column has_impossible_sequence: A contact, booking, appointment or visit is recorded before the referral arrived.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique referral_id
-- @not_null referral_id, received_at, received_week, source, in_scope, declined, no_shows
-- @accepted_values urgency: routine, urgent, stat
-- @accepted_values referral_type: consult, diagnostic, post_discharge
-- @relationship referring_npi -> providers.npi (warn)
with referrals as (
  select * from int_referrals
),
decisions as (
  select * from int_referral_events
),
documents as (
  select
    referral_id,
    bool_and(is_present_at_receipt) as is_complete_at_receipt,
    case when count(*) filter (where document_complete_at is null) = 0 then max(document_complete_at) end as completed_at
  from int_referral_documents
  group by referral_id
),
params as (
  select * from config_params
),
appointments as (
  select
    linked_referral_id as referral_id,
    min(booked_at) as first_booked_at,
    min(known_at) as first_scheduled_at,
    min(start_at) filter (where status <> 'cancelled') as first_appointment_at,
    count(*) filter (where status = 'no_show' and start_at <= params.as_of) as no_shows
  from int_appointment_links, params
  where linked_referral_id is not null
  group by all
),
visits as (
  select
    visits.linked_referral_id as referral_id,
    min(visits.visit_at) as completed_visit_at,
    min(visits.summary_sent_at) as loop_closed_at,
    bool_or(
      visits.visit_at >= referrals.received_at
      and visits.visit_at <= referrals.received_at + to_hours(params.leakage_window_days * 24)
    ) as has_visit_within_leakage_window
  from int_visit_links as visits
  join referrals on referrals.referral_id = visits.linked_referral_id
  cross join params
  group by all
),
joined as (
  select
    referrals.*,
    coalesce(decisions.is_declined, false) as declined,
    decisions.decline_reason,
    referrals.is_configured_service_line and not coalesce(decisions.has_out_of_scope_decline, false) as in_scope,
    decisions.first_contact_at,
    documents.is_complete_at_receipt,
    documents.completed_at as documents_completed_at,
    appointments.first_booked_at,
    appointments.first_scheduled_at,
    appointments.first_appointment_at,
    coalesce(appointments.no_shows, 0) as no_shows,
    visits.completed_visit_at,
    visits.loop_closed_at,
    coalesce(visits.has_visit_within_leakage_window, false) as has_visit_within_leakage_window,
    params.as_of > referrals.received_at + to_hours(params.leakage_window_days * 24) as is_leakage_window_passed,
    -- Every row was received at or before as_of, so one bound makes the window.
    referrals.received_at >= params.as_of - to_hours(params.source_window_days * 24) as is_in_source_window,
    params.as_of
  from referrals
  left join decisions on decisions.referral_id = referrals.referral_id
  left join documents on documents.referral_id = referrals.referral_id
  left join appointments on appointments.referral_id = referrals.referral_id
  left join visits on visits.referral_id = referrals.referral_id
  cross join params
),
measured as (
  select
    *,
    (epoch(first_contact_at) - epoch(received_at)) / 3600.0 as raw_hours_to_contact,
    received_at + to_microseconds(cast(contact_sla_hours * 3600000000 as bigint)) as contact_due_at,
    local_date(first_appointment_at) - received_date as raw_days_to_appointment,
    coalesce(first_contact_at < received_at, false)
      or coalesce(first_booked_at < received_at, false)
      or coalesce(first_appointment_at < received_at, false)
      or coalesce(completed_visit_at < received_at, false) as has_impossible_sequence
  from joined
),
final as (
  select
    referral_id,
    received_at,
    received_date,
    received_week,
    service_line,
    referral_type,
    urgency,
    channel,
    payer_type,
    age_band,
    referring_npi,
    source,
    in_scope,
    declined,
    decline_reason,
    case when in_scope then coalesce(is_complete_at_receipt, true) end as docs_complete_at_receipt,
    case when in_scope then case when is_complete_at_receipt is null then received_at else documents_completed_at end end as docs_completed_at,
    first_contact_at,
    case when raw_hours_to_contact >= 0 then raw_hours_to_contact end as hours_to_contact,
    contact_sla_hours,
    case
      when not in_scope or declined then null
      when first_contact_at < received_at then null
      when first_contact_at is not null then first_contact_at <= contact_due_at
      when as_of > contact_due_at then false
    end as contact_sla_met,
    first_booked_at,
    first_scheduled_at,
    first_appointment_at,
    case when raw_days_to_appointment >= 0 then cast(raw_days_to_appointment as integer) end as days_to_appointment,
    cast(no_shows as integer) as no_shows,
    completed_visit_at,
    loop_closed_at,
    has_visit_within_leakage_window,
    is_leakage_window_passed,
    case
      when not in_scope or declined then false
      when has_visit_within_leakage_window then false
      when is_leakage_window_passed then true
    end as leaked,
    case when in_scope then coalesce(is_complete_at_receipt is null or documents_completed_at is not null, false) else false end as is_docs_complete,
    first_contact_at is not null as is_contacted,
    first_scheduled_at is not null as is_scheduled,
    completed_visit_at is not null as is_completed,
    loop_closed_at is not null as is_loop_closed,
    is_in_source_window,
    has_impossible_sequence
  from measured
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
