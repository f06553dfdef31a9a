-- The last 20 runs, newest first (the runs record, published after the run is recorded).
select run_id, job, trigger, strftime(started_at, '%Y-%m-%d %H:%M') as started, round(epoch(finished_at) - epoch(started_at), 1) as seconds,
       status, files, files_refused, rows_read, rows_loaded, rows_quarantined, checks_failed, error
from runs
order by run_id desc
limit 20
