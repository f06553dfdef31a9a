-- Grain: one row per (issue, feed, detail): what in the extracts needs a look.
--
-- Issues: appointments and visits that link to no referral (they are left out
-- of the funnel), events for referrals not in the referral extracts, invalid
-- referring NPIs (loaded as null), referring ids the providers directory does
-- not hold (for referrals without a valid NPI, so counted as source
-- unknown), records quarantined by reason and feed, optional values loaded
-- as null by reason, and impossible sequences (a contact, booking,
-- appointment or visit recorded before the referral arrived), which the
-- marts flag and never turn into negative durations.
--
-- @column issue: The kind of problem.
-- @column feed: The extract kind it was found in.
-- @column detail: The column and reason, event type or service line.
-- @column rows: Rows affected.
-- @column what_it_means: What the problem does to the numbers, and where to look.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @not_null issue, feed, rows
with unlinked_appointments as (
  select 'unlinked_appointment' as issue, 'appointments' as feed, service_line as detail, count(*) as rows,
    'Left out of the funnel: no referral of the same patient and service line within the match window. Check the scheduling feed''s referral numbers.' as what_it_means
  from int_appointment_links where linked_referral_id is null group by all
),
unlinked_visits as (
  select 'unlinked_visit', 'visits', service_line, count(*),
    'Left out of the funnel: the visit matches no referral. Often a patient who came without a referral.'
  from int_visit_links where linked_referral_id is null group by all
),
events_without_referral as (
  select 'event_for_unknown_referral', 'referral_events', event_type, count(*),
    'The work queue names a referral the referral extracts do not hold (missing, late or quarantined extract).'
  from int_events anti join int_referrals on int_referrals.referral_id = int_events.referral_id group by all
),
invalid_npis as (
  select 'invalid_referring_npi', 'referrals', 'referring_npi', count(*),
    'The NPI fails its check digit; the referral counts under its referring_id''s directory entry if there is one, else under source unknown. Fix the NPI at the referring office or in the intake system.'
  from int_referrals where has_invalid_referring_npi group by all
),
unknown_referring_ids as (
  select 'unknown_referring_id', 'referrals', 'referring_id', count(*),
    'The referral has no valid NPI and its referring_id is no provider_id in the providers directory, so it counts under source unknown. Add the clinician to the directory with that id.'
  from int_referrals where has_unknown_referring_id group by all
),
quarantined as (
  select 'quarantined', kind, column_name || ': ' || reason, count(*),
    'Records set aside at load, not counted anywhere. Fix them in the source system and send them again.'
  from quarantine group by all
),
loaded_as_null as (
  select 'loaded_as_null', kind, column_name || ': ' || reason, cast(sum(rows) as bigint),
    'An optional value was not understood and loaded as empty; breakdowns by this column undercount.'
  from load_issues group by all
),
impossible_sequences as (
  select 'impossible_sequence', 'referral_events', 'contact before the referral arrived', count(*),
    'Flagged, never a negative duration: the time to contact is left empty. Check the clocks of the intake system.'
  from fct_referrals where first_contact_at < received_at
  union all
  select 'impossible_sequence', 'appointments', 'appointment booked before the referral arrived', count(*),
    'Flagged; the booking still counts as scheduled. The scheduling feed may carry another referral''s number.'
  from fct_referrals where first_booked_at < received_at
  union all
  select 'impossible_sequence', 'appointments', 'appointment before the referral arrived', count(*),
    'Flagged, never a negative duration: days to appointment is left empty.'
  from fct_referrals where first_appointment_at < received_at
  union all
  select 'impossible_sequence', 'visits', 'visit before the referral arrived', count(*),
    'Flagged; the visit does not count toward conversion.'
  from fct_referrals where completed_visit_at < received_at
),
combined as (
  select * from unlinked_appointments
  union all select * from unlinked_visits
  union all select * from events_without_referral
  union all select * from invalid_npis
  union all select * from unknown_referring_ids
  union all select * from quarantined
  union all select * from loaded_as_null
  union all select * from impossible_sequences
),
final as (
  select issue, feed, detail, rows, what_it_means from combined where rows > 0
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
