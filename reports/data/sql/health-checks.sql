-- The checks of the last transform (check_results, published after the run is recorded), failed first.
select check_name, model, severity, failing_rows, passed, what_to_do
from check_results
where run_id = (select max(run_id) from check_results)
order by passed, severity, check_name
