-- The published references drawn on the charts.
select benchmark_id, metric, specialty, service_line, value, unit, label, source, year, version
from reference_benchmarks
where is_current
order by metric, service_line, value
