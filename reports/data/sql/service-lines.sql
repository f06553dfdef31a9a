-- Every service line with its name, offered ones first (service_lines).
select service_line, name, is_offered
from service_lines
order by not is_offered, name
