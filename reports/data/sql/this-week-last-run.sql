-- The last successful run.
select run_id, job, status, strftime(finished_at, '%Y-%m-%d %H:%M') as finished
from runs
where status = 'succeeded'
order by run_id desc
limit 1
