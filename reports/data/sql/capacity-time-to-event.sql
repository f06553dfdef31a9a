-- Time to contact, scheduling and visit by monthly cohort, the last 12 months (time_to_event_summary).
select event, cohort_month::varchar as cohort_month, service_line, referrals, reached_count, median_days, p90_days, share_reached_by_as_of
from time_to_event_summary
where is_last_12_months
order by event, service_line, cohort_month
