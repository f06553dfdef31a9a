-- Grain: one row per alert open at as_of, and per alert that closed at as_of (status resolved): the liaisons' alert worklist.
--
-- An alert is a condition of int_liaison_alert_conditions (a referrer
-- dormant or declining by the outreach rules, a panel Behind on a goal,
-- above the floors of config outreach.alerts), routed to its liaison. It
-- fires once: the log of earlier runs (alert_log, as it stood before this
-- run; the transform updates it after the models) says whether it is
-- - new: not open at the log's last look (never seen, or closed since);
-- - changed: open before, and its signature (the facts that matter: the
--   band of a drop, the goal's period and how far behind) moved;
-- - still open: open before with the same signature;
-- - resolved: open before, and the condition no longer holds: listed in the
--   run that finds it gone, then no more.
-- The same as_of twice gives the same statuses (an alert first seen or
-- changed at this as_of stays new or changed). A run for an as_of before the
-- log's latest leaves the log alone, and reads it as it stands: an alert the
-- log first saw later counts as new, one it closed later as still open.
--
-- Order: liaisons alphabetically, 'unassigned' last; within a liaison new,
-- changed, still open, then resolved; then by visits at stake.
--
-- @column alert_key: The alert: rule:liaison:what it is about.
-- @column liaison: The liaison it goes to (the referrer's, or the panel's), or 'unassigned'.
-- @column is_unassigned: No liaison owns the referrer.
-- @column liaison_order: The group's place on the worklist: liaisons alphabetically, 'unassigned' last.
-- @column alert_status: new, changed, still open or resolved.
-- @column alert_status_order: 1 new, 2 changed, 3 still open, 4 resolved.
-- @column alert_order: The row's place within its liaison's group.
-- @column open_in_liaison: The group's open alerts (resolved ones aside).
-- @column new_or_changed_in_liaison: Of them, new or changed.
-- @column rule: dormant, declining or behind_goal.
-- @column source: The referrer (fct_referrals.source); null for a goal alert.
-- @column subject: The clinician's name, or the panel's measure and period.
-- @column office: The clinician's office; null for a goal alert.
-- @column why: Why, in words with its numbers (for resolved: what it said when last open).
-- @column visits_at_stake: Completed visits a year at stake (dormant, declining); null for a goal alert.
-- @column signature: The facts whose change makes the alert changed.
-- @column previous_signature: The signature the log held before this run; null for a new alert.
-- @column first_seen_at: The as_of at which this alert opened (this run's, for a new one).
-- @column changed_at: The as_of of its last change (opening counts as one).
-- @column days_open: Whole days from first_seen_at to as_of.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique alert_key
-- @not_null alert_key, liaison, alert_status, rule, subject, why, first_seen_at, changed_at
-- @accepted_values alert_status: new, changed, still open, resolved
-- @accepted_values rule: dormant, declining, behind_goal
with params as (
  select as_of, run_id from config_params
),
conditions as (
  select * from int_liaison_alert_conditions
),
opened as (
  select
    conditions.*,
    case
      when alert_log.alert_key is null
        or alert_log.first_seen_as_of >= params.as_of
        or alert_log.closed_as_of <= params.as_of then 'new'
      when alert_log.signature is distinct from conditions.signature or alert_log.last_changed_as_of = params.as_of then 'changed'
      else 'still open'
    end as alert_status,
    case when alert_log.closed_as_of <= params.as_of then null else alert_log.signature end as previous_signature,
    alert_log.first_seen_as_of,
    alert_log.last_changed_as_of
  from conditions
  cross join params
  left join alert_log on alert_log.alert_key = conditions.alert_key
),
stamped as (
  select
    opened.* exclude (first_seen_as_of, last_changed_as_of),
    case when opened.alert_status = 'new' then params.as_of else opened.first_seen_as_of end as first_seen_at,
    case when opened.alert_status in ('new', 'changed') then params.as_of else opened.last_changed_as_of end as changed_at
  from opened
  cross join params
),
resolved as (
  select
    alert_log.alert_key,
    alert_log.liaison,
    alert_log.rule,
    alert_log.source,
    alert_log.subject,
    alert_log.office,
    'No longer holds. When last open: ' || alert_log.why as why,
    cast(null as double) as visits_at_stake,
    alert_log.signature,
    'resolved' as alert_status,
    alert_log.signature as previous_signature,
    alert_log.first_seen_as_of as first_seen_at,
    alert_log.last_changed_as_of as changed_at
  from alert_log
  cross join params
  where alert_log.first_seen_as_of < params.as_of
    and (alert_log.closed_as_of is null or alert_log.closed_as_of >= params.as_of)
    and alert_log.alert_key not in (select alert_key from conditions)
),
listed as (
  select alert_key, liaison, rule, source, subject, office, why, visits_at_stake, signature, alert_status, previous_signature, first_seen_at, changed_at from stamped
  union all
  select alert_key, liaison, rule, source, subject, office, why, visits_at_stake, signature, alert_status, previous_signature, first_seen_at, changed_at from resolved
),
final as (
  select
    listed.alert_key,
    listed.liaison,
    listed.liaison = 'unassigned' as is_unassigned,
    cast(dense_rank() over (order by listed.liaison = 'unassigned', listed.liaison) as integer) as liaison_order,
    listed.alert_status,
    case listed.alert_status when 'new' then 1 when 'changed' then 2 when 'still open' then 3 else 4 end as alert_status_order,
    cast(row_number() over (
      partition by listed.liaison
      order by case listed.alert_status when 'new' then 1 when 'changed' then 2 when 'still open' then 3 else 4 end,
        listed.visits_at_stake desc nulls first, listed.rule, listed.alert_key
    ) as integer) as alert_order,
    cast(count(*) filter (where listed.alert_status <> 'resolved') over (partition by listed.liaison) as integer) as open_in_liaison,
    cast(count(*) filter (where listed.alert_status in ('new', 'changed')) over (partition by listed.liaison) as integer) as new_or_changed_in_liaison,
    listed.rule,
    listed.source,
    listed.subject,
    listed.office,
    listed.why,
    round(listed.visits_at_stake, 1) as visits_at_stake,
    listed.signature,
    listed.previous_signature,
    listed.first_seen_at,
    listed.changed_at,
    cast(floor((epoch(params.as_of) - epoch(listed.first_seen_at)) / 86400) as integer) as days_open,
    params.as_of,
    params.run_id
  from listed
  cross join params
)
select * from final
order by liaison_order, alert_order
