-- Referrals of the complete weeks of the last year, per service line (capacity_history); the page shows the lines it forecasts.
select service_line, week::varchar as week, referrals
from capacity_history
order by service_line, week
