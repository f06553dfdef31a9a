-- Grain: one row per service line: every line the practice offers (config service_lines) and every other line a referral asked for.
--
-- What the pages and statements call each line: its configured name, or the
-- id as written for a line the practice does not offer (a referral for it is
-- out of scope). is_offered tells the two apart; the menus of the leaders'
-- pages list the offered lines only.
--
-- @column service_line: The service line id, as the marts carry it.
-- @column name: Its name (config), or the id for a line not offered.
-- @column is_offered: The practice offers it (a configured service line).
-- @column referrals: Referrals asking for it, up to as_of.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique service_line
-- @not_null service_line, name, is_offered, referrals
with requested as (
  select service_line, count(*) as referrals from fct_referrals group by service_line
),
lines as (
  select
    coalesce(config_service_lines.service_line, requested.service_line) as service_line,
    coalesce(config_service_lines.name, requested.service_line) as name,
    config_service_lines.service_line is not null as is_offered,
    coalesce(requested.referrals, 0) as referrals
  from config_service_lines
  full outer join requested on requested.service_line = config_service_lines.service_line
)
select lines.*, config_params.as_of, config_params.run_id
from lines
cross join config_params
where lines.service_line is not null
