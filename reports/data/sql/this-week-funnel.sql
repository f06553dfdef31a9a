-- The funnel of the matured cohort, per service line and 'all', with each stage's drop (funnel_cohort).
select service_line, stage_order, stage, previous_stage, referrals, share_of_received, lost_count, lost_share_of_received, is_largest_drop,
       cohort_start_date::varchar as cohort_start, cohort_end_date::varchar as cohort_end
from funnel_cohort
order by service_line, stage_order
