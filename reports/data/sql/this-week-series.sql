-- The weeks each process-behaviour chart draws (kpi_chart); its centre line, limits and target are on its card.
select metric, service_line, week_start::varchar as week, value, is_signal, is_improvement
from kpi_chart
order by metric, service_line, week_start
