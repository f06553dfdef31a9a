-- The share contacted within the SLA, mature weeks of the last two years (sla_trend).
select week::varchar as week, service_line, rate
from sla_trend
order by week, service_line, rate
