-- What changed: this week's signals (for a later stage, its latest mature week), one sentence each, in the mart's words.
select metric, service_line, week_start::varchar as week, signal_rule, is_improvement, signal_sentence
from kpi_signals
where is_latest_mature_week and is_signal
order by service_line = 'all' desc, service_line, metric
