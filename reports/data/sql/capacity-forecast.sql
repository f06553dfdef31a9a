-- The 12-week forecast per service line against its slots (capacity_forecast).
select service_line, week_start::varchar as week, horizon, model, forecast_referrals, lo80, hi80, lo95, hi95,
       expected_new_patients, expected_new_patients_hi80, slots, shortfall, is_short, is_at_risk
from capacity_forecast
order by service_line, week_start
