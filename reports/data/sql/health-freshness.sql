-- Each feed's freshness as the page shows it (feed_health), stale feeds first.
select feed, state, is_stale, latest_arrival, strftime(last_arrived_at, '%Y-%m-%d %H:%M') as last_arrived, hours_since_arrival,
       record_time, strftime(newest_record_at, '%Y-%m-%d %H:%M') as newest_record, hours_since_newest_record,
       warn_hours, error_hours, data_warn_hours, data_error_hours, arrival_state, data_state,
       strftime(stale_since, '%Y-%m-%d %H:%M') as stale_since, stale_reason, strftime(as_of, '%Y-%m-%d %H:%M') as as_of
from feed_health
order by is_stale desc, feed
