-- Grain: one row per (payer_type, service_line) with at least one in-scope referral in the window: how many were seen, with small cells suppressed.
--
-- Window: in-scope referrals received in the buckets_window_days before as_of
-- (config buckets.window_days, default 182: 26 weeks), as_of included, the
-- start excluded, as in duration_buckets. A referral with no payer on record
-- counts under 'not recorded'.
--
-- Payer is a patient attribute, so the table is published suppressed
-- (metrics.md, small-cell suppression): referrals and with_visit_count are each a
-- payer × service line table, suppressed on its own. A count from 1 to
-- min_cell_size − 1 is hidden (primary). Then, line by line (the payers in
-- alphabetical order, then the service lines), a line with exactly one hidden
-- cell has its smallest shown cell hidden too (complementary: a zero only
-- when no other is left; equal counts in payer, then service line order),
-- repeated until no line has just one hidden cell. A hidden count is null,
-- and so is the rate: with_visit_count / referrals only when both are shown.
--
-- @column payer_type: The patient's payer (commercial, medicare, medicaid, self_pay, other), or 'not recorded'.
-- @column service_line: Service line requested.
-- @column referrals: In-scope referrals in the window; null when suppressed.
-- @column with_visit_count: Of those, referrals with a visit (the funnel's completed stage); null when suppressed.
-- @column completion_rate: with_visit_count / referrals; null when either is suppressed.
-- @column is_suppressed: referrals or with_visit_count is suppressed.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique payer_type, service_line
-- @not_null payer_type, service_line, is_suppressed
--
-- params is joined with a comma: the model graph reads a CTE's name after
-- `with` or a comma, not after `with recursive`.
with recursive params as (
  select config_params.as_of, config_params.run_id, config_params.min_cell_size, config_thresholds.buckets_window_days
  from config_params cross join config_thresholds
),
counted as (
  select
    coalesce(fct_referrals.payer_type, 'not recorded') as payer_type,
    fct_referrals.service_line,
    count(*) as referrals,
    count(*) filter (where fct_referrals.is_completed) as with_visit_count
  from fct_referrals, params
  where fct_referrals.in_scope
    and fct_referrals.received_at > params.as_of - to_days(cast(params.buckets_window_days as integer))
  group by all
),
cells as (
  select
    measure,
    row_number() over (partition by measure order by payer_type, service_line) as cell_order,
    payer_type,
    service_line,
    cell_count,
    cell_count between 1 and params.min_cell_size - 1 as is_primary
  from (
    select 'referrals' as measure, payer_type, service_line, referrals as cell_count from counted
    union all
    select 'with_visit_count' as measure, payer_type, service_line, with_visit_count as cell_count from counted
  ) as unpivoted, params
),
suppression_lines as (
  select row_number() over (order by kind_order, line_key) - 1 as line_order, kind, line_key, count(*) over () as line_count
  from (
    select distinct 1 as kind_order, 'payer' as kind, payer_type as line_key from counted
    union all
    select distinct 2 as kind_order, 'service_line' as kind, service_line as line_key from counted
  ) as distinct_lines
),
steps as (
  -- One step looks at one line; the steps go round the lines until a whole round hides nothing more.
  select measure, 0 as step, 0 as quiet_steps, cell_order, payer_type, service_line, cell_count, is_primary as is_hidden
  from cells
  union all
  select measure, step + 1, case when any_hidden_now then 0 else quiet_steps + 1 end, cell_order, payer_type, service_line, cell_count, is_hidden or hidden_now
  from (
    select chosen.*, bool_or(hidden_now) over (partition by measure) as any_hidden_now
    from (
      -- The complement: the line's smallest shown cell (a zero last), when the line has exactly one hidden.
      select
        counted_line.*,
        hidden_in_line = 1 and is_in_line and not is_hidden
          and row_number() over (partition by measure order by not is_in_line or is_hidden, cell_count = 0, cell_count, cell_order) = 1 as hidden_now
      from (
        select in_line.*, count(*) filter (where is_in_line and is_hidden) over (partition by measure) as hidden_in_line
        from (
          select
            current_step.*,
            case line.kind when 'payer' then current_step.payer_type = line.line_key else current_step.service_line = line.line_key end as is_in_line
          from steps as current_step
          join suppression_lines as line on line.line_order = current_step.step % line.line_count
          where current_step.quiet_steps < line.line_count
        ) as in_line
      ) as counted_line
    ) as chosen
  ) as stepped
),
suppressed as (
  select measure, payer_type, service_line, case when is_hidden then null else cell_count end as shown
  from steps
  where quiet_steps = (select max(line_count) from suppression_lines)
),
joined as (
  select
    referrals.payer_type,
    referrals.service_line,
    referrals.shown as referrals,
    with_visit.shown as with_visit_count,
    referrals.shown is null or with_visit.shown is null as is_suppressed
  from suppressed as referrals
  join suppressed as with_visit
    on with_visit.measure = 'with_visit_count'
   and with_visit.payer_type = referrals.payer_type
   and with_visit.service_line = referrals.service_line
  where referrals.measure = 'referrals'
),
stamped as (
  select
    joined.payer_type,
    joined.service_line,
    joined.referrals,
    joined.with_visit_count,
    case when joined.is_suppressed or joined.referrals = 0 then null else cast(joined.with_visit_count as double) / joined.referrals end as completion_rate,
    joined.is_suppressed,
    params.as_of,
    params.run_id
  from joined, params
)
select * from stamped
