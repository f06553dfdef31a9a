-- Grain: one row per alert condition that holds at as_of: a referrer dormant or declining, or a liaison's panel Behind on a goal, above the alert floors.
--
-- The conditions are the outreach rules' own verdicts, never judged again
-- here: a referrer is dormant when int_outreach_dormant says so, declining
-- when int_outreach_declining does, and a panel is Behind when
-- liaison_panels paces it so. The floors (config outreach.alerts, table
-- config_alerts) keep the alerts to what a liaison should act on: a
-- referrer raises one only with at least min_baseline_referrals referrals
-- in the baseline (the source window before the recent window; default 6,
-- the dormant rule's own floor), and a goal only once its period has run
-- min_period_days days (default 14), so a month two days old is never
-- Behind.
--
-- An alert is routed to the referrer's liaison (referrers.liaison), or to
-- 'unassigned' when the directory names none; a goal alert to the panel's
-- liaison. Its key is the rule, the liaison and what it is about (the
-- referrer, or the goal's measure and period): a referrer who changes hands
-- closes one alert and opens another for the new owner.
--
-- The signature is what makes a still-open alert `changed` (liaison_alerts):
-- dormant: the date of the last referral (a new referral ends the silence,
-- so a dormant alert stays as it was until it closes); declining: the drop,
-- in 20-point bands of the referrals expected (down 40%+, 60%+, 80%+);
-- behind_goal: the period (a new month still behind is a change) and the
-- share of the goal's pace reached, in 25-point bands.
--
-- @column alert_key: rule:liaison:subject key (the referrer's source, or measure/period).
-- @column liaison: The liaison the alert goes to, or 'unassigned'.
-- @column rule: dormant, declining or behind_goal.
-- @column source: The referrer (fct_referrals.source); null for a goal alert.
-- @column subject: Who or what it is about: the clinician's name, or the panel's measure and period.
-- @column office: The clinician's office; null for a goal alert.
-- @column why: Why, in words with its numbers.
-- @column visits_at_stake: Completed visits a year at stake (the outreach rule's); null for a goal alert.
-- @column signature: The facts whose change makes the alert `changed`.
with floors as (
  select * from config_alerts
),
dormant as (
  select
    d.source,
    'dormant' as rule,
    d.reason as why,
    d.visits_at_stake,
    'last referral ' || strftime(local_date(s.last_at), '%Y-%m-%d') as signature
  from int_outreach_dormant as d
  join int_outreach_sources as s using (source)
),
declining as (
  select
    d.source,
    'declining' as rule,
    d.reason as why,
    d.visits_at_stake,
    'down ' || cast(20 * floor(5 * (1 - d.recent_count / d.expected_recent)) as integer) || '%+' as signature
  from int_outreach_declining as d
),
flagged as (
  select flagged.*
  from (select * from dormant union all select * from declining) as flagged
  join int_outreach_sources as s using (source)
  cross join floors
  where s.baseline_count >= floors.min_baseline_referrals
),
referrer_alerts as (
  select
    coalesce(referrers.liaison, 'unassigned') as liaison,
    flagged.rule,
    flagged.source,
    coalesce(referrers.name, flagged.source) as subject,
    referrers.office,
    flagged.why,
    flagged.visits_at_stake,
    flagged.signature
  from flagged
  left join referrers using (source)
),
goal_alerts as (
  select
    panels.liaison,
    'behind_goal' as rule,
    cast(null as varchar) as source,
    'Panel ' || panels.measure || ', ' || panels.period || ' so far' as subject,
    cast(null as varchar) as office,
    format('{} {} this {} so far where the goal''s pace gives {} (goal {} for the {}, {} of {} days gone); {}% behind.',
      panels.value, panels.measure, panels.period, cast(round(panels.goal_to_date, 0) as integer), cast(round(panels.goal, 0) as integer), panels.period,
      panels.days_elapsed, panels.period_end - panels.period_start + 1,
      cast(round(100 * (1 - panels.value / panels.goal_to_date), 0) as integer)) as why,
    cast(null as double) as visits_at_stake,
    strftime(panels.period_start, '%Y-%m-%d') || ' ' || panels.period || ', under ' || cast(25 * (floor(4 * panels.value / panels.goal_to_date) + 1) as integer) || '% of pace' as signature,
    panels.measure || '/' || panels.period as subject_key
  from liaison_panels as panels
  cross join floors
  where panels.pace = 'Behind' and panels.days_elapsed >= floors.min_period_days
),
final as (
  select rule || ':' || liaison || ':' || source as alert_key, * from referrer_alerts
  union all
  select rule || ':' || liaison || ':' || subject_key as alert_key, * exclude (subject_key) from goal_alerts
)
select alert_key, liaison, rule, source, subject, office, why, visits_at_stake, signature from final
