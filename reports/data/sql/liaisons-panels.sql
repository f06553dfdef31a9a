-- Each liaison's panel this month, quarter and year so far, against last year and the goal (liaison_panels).
select liaison, measure, period, period_start, period_end, days_elapsed, panel_referrer_count, value, last_year_value, change_vs_last_year, goal, goal_to_date, pace
from liaison_panels
order by liaison, measure, case period when 'month' then 1 when 'quarter' then 2 else 3 end
