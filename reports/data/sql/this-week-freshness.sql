-- Each feed's freshness as feed_freshness judges it.
select feed, state, is_stale, latest_arrival, strftime(last_arrived_at, '%Y-%m-%d %H:%M') as last_arrived, record_time,
       strftime(newest_record_at, '%Y-%m-%d %H:%M') as newest_record, strftime(stale_since, '%Y-%m-%d %H:%M') as stale_since, stale_reason
from feed_freshness
order by feed
