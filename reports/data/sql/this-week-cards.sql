-- Each metric for the week the page shows it for (its latest mature week), with its limits, signal and target.
select metric, metric_label, service_line, week_start::varchar as week, value, centre_line, lower_limit, upper_limit,
       is_signal, signal_rule, is_improvement, signal_sentence, target, is_target_met
from kpi_signals
where is_latest_mature_week
order by service_line, metric
