-- Grain: one row per outreach action (a row of outreach_priorities): the liaisons' worklist, grouped by liaison and ranked within each group.
--
-- The same actions as outreach_priorities, arranged for a person to work
-- from: one group per liaison (the directory's owner of the relationship),
-- in alphabetical order, and a last group "unassigned" for clinicians no
-- liaison owns. Within a group, actions keep the practice-wide ranking
-- (priority_rank: visits at stake × confidence), so rank_in_liaison 1 is
-- that liaison's first visit. A group shows its first actions_shown_count (5)
-- actions at once and the rest on demand: is_shown marks them, and
-- more_in_liaison_count says how many a group holds beyond them.
--
-- @column liaison: The liaison who owns the relationship, or 'unassigned'.
-- @column is_unassigned: No liaison owns the relationship.
-- @column liaison_order: The group's place on the list: liaisons alphabetically, 'unassigned' last.
-- @column rank_in_liaison: 1 = the group's first visit (by the practice-wide priority_rank).
-- @column is_shown: Among the group's first actions_shown_count actions, shown before "show all".
-- @column actions_shown_count: How many actions a group shows before "show all".
-- @column actions_in_liaison_count: The group's actions.
-- @column more_in_liaison_count: The group's actions beyond those shown (0 when all are shown).
-- @column visits_at_stake_in_liaison: Completed visits a year at stake over the group's actions.
-- @column visits_at_stake_in_category: Completed visits a year at stake over every action of the row's category (all liaisons).
-- @column priority_rank: The practice-wide rank (outreach_priorities).
-- @column source: The clinician as a source: their NPI, or the directory provider_id of one without a valid NPI.
-- @column npi: The clinician's NPI; null for a directory entry known only by provider_id.
-- @column clinician: Name (directory, else as written on referrals).
-- @column office: Office (directory, else as written on referrals).
-- @column organization: Group or network (directory).
-- @column category: The reason, as a label: dormant, declining, coaching or growth.
-- @column reason: Why, in one sentence with its numbers (shown on demand).
-- @column visits_at_stake: Completed visits a year at stake.
-- @column confidence: How sure: 1 − the chance the pattern is noise (coaching 1, growth 0.5).
-- @column priority_score: visits_at_stake × confidence.
-- @column referrals_last_year: Referrals in the year before as_of.
-- @column last_referral_at: Their latest referral up to as_of (null when none).
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique source, category
-- @not_null liaison, liaison_order, rank_in_liaison, is_shown
-- @accepted_values category: dormant, declining, coaching, growth
with settings as (
  select 5 as actions_shown_count
),
actions as (
  select
    coalesce(priorities.liaison, 'unassigned') as liaison,
    priorities.liaison is null as is_unassigned,
    priorities.* exclude (liaison)
  from outreach_priorities as priorities
),
groups as (
  select
    liaison,
    is_unassigned,
    row_number() over (order by is_unassigned, liaison) as liaison_order,
    count(*) as actions_in_liaison_count,
    sum(visits_at_stake) as visits_at_stake_in_liaison
  from actions
  group by liaison, is_unassigned
),
categories as (
  select category, sum(visits_at_stake) as visits_at_stake_in_category
  from actions
  group by category
),
ranked as (
  select
    actions.*,
    row_number() over (partition by actions.liaison, actions.is_unassigned order by actions.priority_rank, actions.source, actions.category) as rank_in_liaison
  from actions
),
final as (
  select
    ranked.liaison,
    ranked.is_unassigned,
    groups.liaison_order,
    ranked.rank_in_liaison,
    ranked.rank_in_liaison <= settings.actions_shown_count as is_shown,
    settings.actions_shown_count,
    groups.actions_in_liaison_count,
    greatest(0, groups.actions_in_liaison_count - settings.actions_shown_count) as more_in_liaison_count,
    groups.visits_at_stake_in_liaison,
    categories.visits_at_stake_in_category,
    ranked.priority_rank,
    ranked.source,
    ranked.npi,
    ranked.clinician,
    ranked.office,
    ranked.organization,
    ranked.category,
    ranked.reason,
    ranked.visits_at_stake,
    ranked.confidence,
    ranked.priority_score,
    ranked.referrals_last_year,
    ranked.last_referral_at
  from ranked
  join groups on groups.liaison = ranked.liaison and groups.is_unassigned = ranked.is_unassigned
  join categories on categories.category = ranked.category
  cross join settings
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
order by liaison_order, rank_in_liaison
