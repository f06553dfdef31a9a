-- The weekly trend of the eight largest sources (source_weekly).
select week_start::varchar as week, name, referrals
from source_weekly
order by week_start, name, referrals
