-- Row accounting per source and feed, with its latest arrival (feed_accounting).
select source, kind, files, latest_file, strftime(last_loaded_at, '%Y-%m-%d %H:%M') as last_loaded,
       rows_read, rows_loaded, rows_skipped, rows_quarantined, is_accounted_for as adds_up, redelivered_count as redelivered
from feed_accounting
order by source, kind
