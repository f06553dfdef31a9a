-- Grain: one row per feed (extract kind): feed_freshness as the Data health page shows it.
--
-- The judgement is feed_freshness' own, unchanged; only what a reader sees
-- differs: ages in whole hours (rounded), and the thresholds by newest record
-- only for a feed judged by its newest record (null for one judged by arrival
-- only, where feed_freshness carries its arrival thresholds in their place).
--
-- @column feed: The extract kind (feed_freshness.feed).
-- @column state: ok, warn, error or not used (feed_freshness.state).
-- @column is_stale: state is warn or error (feed_freshness.is_stale).
-- @column latest_arrival: What arrived last (feed_freshness.latest_arrival).
-- @column last_arrived_at: The latest arrival of the feed's files (feed_freshness.last_arrived_at).
-- @column hours_since_arrival: Whole hours from last_arrived_at to as_of (feed_freshness.hours_since_arrival, rounded).
-- @column record_time: The column the newest record is judged by; null for a feed judged by arrival only.
-- @column newest_record_at: The newest record_time at or before as_of (feed_freshness.newest_record_at).
-- @column hours_since_newest_record: Whole hours from newest_record_at to as_of (feed_freshness.hours_since_newest_record, rounded).
-- @column warn_hours: Hours since the latest arrival past which the feed is late.
-- @column error_hours: Hours since the latest arrival past which the feed is stale.
-- @column data_warn_hours: Hours since the newest record past which the feed is late; null for a feed judged by arrival only.
-- @column data_error_hours: Hours since the newest record past which the feed is stale; null for a feed judged by arrival only.
-- @column arrival_state: ok, warn or error by the latest arrival (feed_freshness.arrival_state).
-- @column data_state: ok, warn or error by the newest record (feed_freshness.data_state).
-- @column stale_since: The moment the feed first went past a warn threshold (feed_freshness.stale_since).
-- @column stale_reason: One sentence saying why the feed is not current (feed_freshness.stale_reason).
-- @column as_of: The moment the feed is judged at (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
-- @unique feed
-- @not_null feed, state, is_stale
with freshness as (
  select * from feed_freshness
),
shown as (
  select
    feed,
    state,
    is_stale,
    latest_arrival,
    last_arrived_at,
    cast(round(hours_since_arrival) as integer) as hours_since_arrival,
    record_time,
    newest_record_at,
    cast(round(hours_since_newest_record) as integer) as hours_since_newest_record,
    warn_hours,
    error_hours,
    case when record_time is not null then data_warn_hours end as data_warn_hours,
    case when record_time is not null then data_error_hours end as data_error_hours,
    arrival_state,
    data_state,
    stale_since,
    stale_reason,
    as_of,
    run_id
  from freshness
)
select * from shown
