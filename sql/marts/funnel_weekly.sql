-- Grain: one row per (received_week, service_line).
--
-- Counts of the referrals received that week that reached each funnel stage
-- by as_of. Stages are not a strict sequence (a patient can be scheduled
-- before the last document arrives); each is counted on its own. The SLA rate
-- is met / due, where due means the SLA verdict is known (met or missed).
--
-- @column received_week: The ISO week the referrals arrived, named by its Monday (local).
-- @column service_line: Service line requested.
-- @column referrals: Referrals received that week.
-- @column in_scope: Of them, in scope.
-- @column docs_complete_at_receipt: Of them, complete at receipt.
-- @column docs_complete: Of them, with a complete packet by as_of.
-- @column contacted: Of them, contacted.
-- @column scheduled: Of them, with an appointment known at as_of (any status).
-- @column completed: Of them, with a visit.
-- @column loop_closed: Of them, with the visit summary sent back.
-- @column median_hours_to_contact: Median real elapsed hours from receipt to first contact, over those contacted.
-- @column contact_sla_due: Referrals whose contact SLA verdict is known (met or missed).
-- @column contact_sla_met: Referrals contacted within their SLA.
-- @column contact_sla_met_rate: contact_sla_met / contact_sla_due; null when none is due.
-- @column median_days_to_appointment: Median calendar days from receipt to the first appointment, over those with one.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique received_week, service_line
-- @not_null received_week, service_line, referrals
with referrals as (
  select * from fct_referrals
),
weekly as (
  select
    received_week,
    service_line,
    count(*) as referrals,
    count(*) filter (where in_scope) as in_scope,
    count(*) filter (where docs_complete_at_receipt) as docs_complete_at_receipt,
    count(*) filter (where is_docs_complete) as docs_complete,
    count(*) filter (where is_contacted) as contacted,
    count(*) filter (where is_scheduled) as scheduled,
    count(*) filter (where is_completed) as completed,
    count(*) filter (where is_loop_closed) as loop_closed,
    median(hours_to_contact) as median_hours_to_contact,
    count(contact_sla_met) as contact_sla_due,
    count(*) filter (where contact_sla_met) as contact_sla_met,
    cast(count(*) filter (where contact_sla_met) as double) / nullif(count(contact_sla_met), 0) as contact_sla_met_rate,
    median(days_to_appointment) as median_days_to_appointment
  from referrals
  group by received_week, service_line
),
stamped as (
  select weekly.*, params.as_of, params.run_id
  from weekly
  cross join config_params as params
)
select * from stamped
