-- Grain: one row per (issue, feed) of data_quality: the rows affected, over every detail.
--
-- data_quality breaks an issue down by its detail (a column and reason, an
-- event type, a service line); this is the same rows summed per issue and
-- feed, as Data health's chart draws them.
--
-- @column issue: The kind of problem (data_quality.issue).
-- @column feed: The extract kind it was found in (data_quality.feed).
-- @column rows: Rows affected, summed over the issue's details.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique issue, feed
-- @not_null issue, feed, rows
with params as (
  select * from config_params
),
issues as (
  select * from data_quality
),
by_feed as (
  select issue, feed, sum(rows) as rows
  from issues
  group by all
),
stamped as (
  select by_feed.*, params.as_of, params.run_id
  from by_feed
  cross join params
)
select * from stamped
