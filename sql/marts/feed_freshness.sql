-- Grain: one row per feed (extract kind).
--
-- Is each feed current, judged two ways against its thresholds (config
-- feeds.<kind>.freshness, else the kind's default; table
-- config_feed_freshness):
--   by arrival: the hours since its latest arrival, which is a file of the
--   kind loaded, a delivery's run that landed rows of the kind, or content
--   already loaded that arrived again under a new name (redeliveries: an
--   unchanged file re-sent on time is an arrival);
--   by its data: the hours since its newest record known at as_of, by the
--   time that says when the record happened: received_at for referrals,
--   event_at for referral events, start_at for appointments (an appointment
--   still to come proves nothing about the feed, so only those started by
--   as_of count), visit_at for visits. The directory, capacity plans and the
--   liaisons' log have no such time and are judged by arrival only.
-- A feed whose files keep arriving but whose newest record is old (an
-- extract stuck on an old date range) is late all the same.
-- Each way has its own pair of thresholds: files warn past warn_hours and
-- are an error past error_hours; the newest record likewise past
-- data_warn_hours and data_error_hours (by default four and seven days for
-- the daily feeds, so a long weekend without visits is not late). A boundary
-- itself is still ok. A feed with no arrival (or, judged by its data, no
-- record) is an error, except the liaisons' log, which is optional: never
-- sent, it is "not used". The feed's state is the worse of the two; it is
-- stale when that is warn or error, since the first moment either way passed
-- its warn threshold. A file that arrived after as_of counts as arrived (its rows
-- are in the numbers): its age is 0, not negative.
-- `refloop status` evaluates this same query at the moment it runs (as_of
-- now, the config it is given); the site reads the mart built for as_of.
--
-- @column feed: The extract kind: referrals, referral_events, appointments, visits, providers, capacity or liaison_activities.
-- @column record_time: The column the newest record is judged by (received_at, event_at, start_at, visit_at); null for a feed judged by arrival only.
-- @column last_arrived_at: The latest arrival of the feed's files (a file, a delivery, or a re-delivery of content already loaded); null when nothing has arrived.
-- @column latest_arrival: What arrived last: a file name, "delivery <name>", or a re-delivery with the file it repeats.
-- @column newest_record_at: The newest record_time at or before as_of; null when not judged by data or no record is known.
-- @column hours_since_arrival: Hours from last_arrived_at to as_of (0 for an arrival after as_of).
-- @column hours_since_newest_record: Hours from newest_record_at to as_of.
-- @column warn_hours: Hours since the latest arrival past which the feed is late (warn).
-- @column error_hours: Hours since the latest arrival past which the feed is stale (error, and `refloop status` exits 1).
-- @column data_warn_hours: Hours since the newest record past which the feed is late (warn).
-- @column data_error_hours: Hours since the newest record past which the feed is stale (error).
-- @column arrival_state: ok, warn or error by the latest arrival (error: nothing arrived); not used for an optional feed never sent.
-- @column data_state: ok, warn or error by the newest record (error: no record); null for a feed judged by arrival only.
-- @column state: The worse of arrival_state and data_state: ok, warn, error or not used.
-- @column is_stale: state is warn or error.
-- @column stale_since: The moment the feed first went past a warn threshold, by arrival or by its data (the earlier of those that did); null when it is not stale or nothing ever arrived.
-- @column stale_reason: One sentence saying why the feed is not current, with its times (local); null when it is.
-- @column as_of: The moment the feed is judged at (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id); null when `refloop status` evaluates it.
-- @unique feed
-- @not_null feed, warn_hours, error_hours, arrival_state, state, is_stale
-- @accepted_values state: ok, warn, error, not used
with params as (
  select * from config_params
),
thresholds as (
  select * from config_feed_freshness
),
landed_rows as (
  -- Rows of each feed with the run that landed them and their file.
  select 'referrals' as feed, ingest_run_id, source_file, source_delivery from referrals
  union all select 'referral_events', ingest_run_id, source_file, source_delivery from referral_events
  union all select 'appointments', ingest_run_id, source_file, source_delivery from appointments
  union all select 'visits', ingest_run_id, source_file, source_delivery from visits
  union all select 'providers', ingest_run_id, source_file, source_delivery from providers
  union all select 'capacity', ingest_run_id, source_file, source_delivery from capacity
  union all select 'liaison_activities', ingest_run_id, source_file, source_delivery from liaison_activities
),
landed_runs as (
  -- The runs that landed a feed's rows out of a delivery (whose raw files feed several kinds and are not files of the kind); a file of the kind is its own arrival.
  select landed_rows.feed, landed_rows.ingest_run_id, max(landed_rows.source_delivery) as delivery
  from landed_rows
  anti join ingested_files on ingested_files.kind = landed_rows.feed and ingested_files.file = landed_rows.source_file
  group by landed_rows.feed, landed_rows.ingest_run_id
),
arrivals as (
  select kind as feed, file as arrival, ingested_at as arrived_at
  from ingested_files
  union all
  select landed_runs.feed, 'delivery ' || landed_runs.delivery, runs.started_at
  from landed_runs
  join runs on runs.run_id = landed_runs.ingest_run_id
  union all
  select unnest(kinds) as feed, file || ' (same content as ' || same_as || ')', arrived_at
  from redeliveries
),
latest_arrivals as (
  select feed, max(arrived_at) as last_arrived_at, max_by(arrival, (arrived_at, arrival)) as latest_arrival
  from arrivals
  group by feed
),
newest_records as (
  select 'referrals' as feed, 'received_at' as record_time, (select max(received_at) from referrals, params where received_at <= params.as_of) as newest_record_at
  union all select 'referral_events', 'event_at', (select max(event_at) from referral_events, params where event_at <= params.as_of)
  union all select 'appointments', 'start_at', (select max(start_at) from appointments, params where start_at <= params.as_of)
  union all select 'visits', 'visit_at', (select max(visit_at) from visits, params where visit_at <= params.as_of)
),
aged as (
  select
    thresholds.feed,
    newest_records.record_time,
    latest_arrivals.last_arrived_at,
    latest_arrivals.latest_arrival,
    newest_records.newest_record_at,
    -- greatest() skips nulls: nothing arrived keeps a null age.
    case when latest_arrivals.last_arrived_at is not null then greatest(0, epoch(params.as_of) - epoch(latest_arrivals.last_arrived_at)) / 3600 end as hours_since_arrival,
    (epoch(params.as_of) - epoch(newest_records.newest_record_at)) / 3600 as hours_since_newest_record,
    thresholds.warn_hours,
    thresholds.error_hours,
    thresholds.data_warn_hours,
    thresholds.data_error_hours,
    params.as_of,
    params.timezone,
    params.run_id
  from thresholds
  cross join params
  left join latest_arrivals on latest_arrivals.feed = thresholds.feed
  left join newest_records on newest_records.feed = thresholds.feed
),
judged as (
  select
    aged.*,
    case
      when last_arrived_at is null then case when feed = 'liaison_activities' then 'not used' else 'error' end
      when hours_since_arrival > error_hours then 'error'
      when hours_since_arrival > warn_hours then 'warn'
      else 'ok'
    end as arrival_state,
    case
      when record_time is null then null
      when newest_record_at is null then case when last_arrived_at is null then null else 'error' end
      when hours_since_newest_record > data_error_hours then 'error'
      when hours_since_newest_record > data_warn_hours then 'warn'
      else 'ok'
    end as data_state
  from aged
),
stated as (
  select
    judged.*,
    case
      when 'error' in (arrival_state, data_state) then 'error'
      when 'warn' in (arrival_state, data_state) then 'warn'
      when arrival_state = 'not used' then 'not used'
      else 'ok'
    end as state
  from judged
),
worded as (
  select
    stated.*,
    state in ('warn', 'error') as is_stale,
    case when state in ('warn', 'error') then least(
      case when arrival_state in ('warn', 'error') then last_arrived_at + to_seconds(cast(warn_hours * 3600 as bigint)) end,
      case when data_state in ('warn', 'error') then newest_record_at + to_seconds(cast(data_warn_hours * 3600 as bigint)) end
    ) end as stale_since,
    concat_ws('; ',
      case
        when arrival_state = 'error' and last_arrived_at is null then 'no file has arrived yet'
        when arrival_state in ('warn', 'error') then 'no file has arrived since ' || strftime(last_arrived_at at time zone timezone, '%Y-%m-%d %H:%M')
          || ', ' || cast(round(hours_since_arrival) as bigint) || ' hours before ' || strftime(as_of at time zone timezone, '%Y-%m-%d %H:%M')
          || ' (late after ' || format('{:g}', warn_hours) || ' hours, stale after ' || format('{:g}', error_hours) || ')'
      end,
      case
        when data_state = 'error' and newest_record_at is null then 'files arrived but hold no record with a ' || record_time || ' by ' || strftime(as_of at time zone timezone, '%Y-%m-%d %H:%M')
        when data_state in ('warn', 'error') then 'its newest record (' || record_time || ') is from ' || strftime(newest_record_at at time zone timezone, '%Y-%m-%d %H:%M')
          || ', ' || cast(round(hours_since_newest_record) as bigint) || ' hours before ' || strftime(as_of at time zone timezone, '%Y-%m-%d %H:%M')
          || ' (late after ' || format('{:g}', data_warn_hours) || ' hours, stale after ' || format('{:g}', data_error_hours) || ')'
      end
    ) as reasons
  from stated
),
final as (
  select
    feed,
    record_time,
    last_arrived_at,
    latest_arrival,
    newest_record_at,
    hours_since_arrival,
    hours_since_newest_record,
    warn_hours,
    error_hours,
    data_warn_hours,
    data_error_hours,
    arrival_state,
    data_state,
    state,
    is_stale,
    stale_since,
    case when is_stale then
      replace(feed, '_', ' ') || ' is ' || case state when 'error' then 'stale' else 'late' end || ': ' || reasons
      || coalesce(', since ' || strftime(stale_since at time zone timezone, '%Y-%m-%d %H:%M'), '') || '.'
    end as stale_reason,
    as_of,
    run_id
  from worded
)
select * from final
