-- Grain: one row per (source, rule) that skipped a row: records read but deliberately not loaded.
--
-- A rule is a feed's filter, a lookup table read only to resolve others
-- ("lookup"), a work-queue change that is no funnel event, and the like
-- (skipped_rows, per file and rule). Its rows are summed over the source's
-- files loaded, and its files are the distinct files it skipped rows of.
--
-- @column source: The source the files came from (ingested_files.source).
-- @column rule: The named rule that skipped the rows.
-- @column rows: Records it skipped.
-- @column files: Files it skipped records of.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique source, rule
-- @not_null source, rule, rows, files
with params as (
  select * from config_params
),
by_rule as (
  select ingested_files.source, skipped_rows.rule, sum(skipped_rows.rows) as rows, count(distinct skipped_rows.file) as files
  from skipped_rows
  join ingested_files using (file, kind)
  group by all
),
stamped as (
  select by_rule.*, params.as_of, params.run_id
  from by_rule
  cross join params
)
select * from stamped
