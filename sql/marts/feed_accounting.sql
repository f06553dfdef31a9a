-- Grain: one row per (source, kind) with at least one file loaded: every record each source's files brought, accounted for.
--
-- A kind is an extract kind for a file of canonical rows, or the adapter
-- (epic-ehi, fhir-r4, nppes) for the raw files of a delivery. The counts add
-- up the files loaded (ingested_files): records read, and of them loaded,
-- skipped by a named rule and quarantined; a (source, kind) adds up when every
-- one of its files has read = loaded + skipped + quarantined. Its latest
-- arrival is its latest file loaded or re-delivered (redeliveries: the same
-- content under a new name, loaded once), the later name on a tie; a raw file
-- of a delivery, and a re-delivered delivery (a redeliveries row without a
-- size), are named by their delivery. The source's re-deliveries are
-- counted apart; they load nothing, so they add no record.
--
-- @column source: The source the files came from (config sources[].name; 'inbox' without sources).
-- @column kind: The extract kind the files were loaded as; for the raw files of a delivery, the adapter.
-- @column files: Files loaded.
-- @column latest_file: What arrived last: a file, 'delivery <name>', or a re-delivery as '<name> (same content as <earlier>)'.
-- @column last_loaded_at: When the latest arrival arrived.
-- @column rows_read: Records read from its files (headers excluded).
-- @column rows_loaded: Of them, loaded.
-- @column rows_skipped: Of them, skipped by a named rule (skipped_rows_by_rule).
-- @column rows_quarantined: Of them, set aside in quarantine.
-- @column is_accounted_for: Every file has rows_read = rows_loaded + rows_skipped + rows_quarantined.
-- @column redelivered_count: Files and deliveries of the source and kind that arrived again under a new name.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique source, kind
-- @not_null source, kind, files, is_accounted_for, redelivered_count
with params as (
  select * from config_params
),
arrivals as (
  select source, kind, case when delivery_sha256 is null then file else 'delivery ' || delivery end as arrival, ingested_at as arrived_at, false as is_redelivery
  from ingested_files
  union all
  select source, kind, case when size_bytes is null then 'delivery ' else '' end || file || ' (same content as ' || same_as || ')', arrived_at, true
  from redeliveries
),
latest as (
  select
    source,
    kind,
    max_by(arrival, (arrived_at, arrival)) as latest_file,
    max(arrived_at) as last_loaded_at,
    count(*) filter (where is_redelivery) as redelivered_count
  from arrivals
  group by all
),
loaded as (
  select
    source,
    kind,
    count(*) as files,
    sum(rows_read) as rows_read,
    sum(rows_loaded) as rows_loaded,
    sum(rows_skipped) as rows_skipped,
    sum(rows_quarantined) as rows_quarantined,
    bool_and(rows_read = rows_loaded + rows_skipped + rows_quarantined) as is_accounted_for
  from ingested_files
  group by all
),
stamped as (
  select
    loaded.source,
    loaded.kind,
    loaded.files,
    latest.latest_file,
    latest.last_loaded_at,
    loaded.rows_read,
    loaded.rows_loaded,
    loaded.rows_skipped,
    loaded.rows_quarantined,
    loaded.is_accounted_for,
    latest.redelivered_count,
    params.as_of,
    params.run_id
  from loaded
  join latest using (source, kind)
  cross join params
)
select * from stamped
