// Capacity: the 12-week forecast per service line against slots, the
// backtest, recent history, and time-to-event summaries by cohort.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('capacity', async (query) => {
  const forecast = await query(
    `SELECT service_line, week_start::VARCHAR AS week, horizon, model, forecast_referrals, lo80, hi80, lo95, hi95,
            expected_new_patients, expected_new_patients_hi80, slots, shortfall, is_short, is_at_risk
     FROM capacity_forecast ORDER BY service_line, week_start`,
  );
  const history = await query(
    `SELECT service_line, week::VARCHAR AS week, value AS referrals FROM kpi_weekly
     WHERE metric = 'referrals' AND is_complete_week AND service_line IN (SELECT DISTINCT service_line FROM capacity_forecast)
       AND week > (SELECT max(week) FROM kpi_weekly) - INTERVAL 52 WEEK
     ORDER BY service_line, week`,
  );
  const backtest = await query('SELECT * FROM forecast_backtest ORDER BY service_line');
  const timeToEvent = await query(
    `SELECT event, cohort_month::VARCHAR AS cohort_month, service_line, referrals, reached, median_days, p90_days, share_reached_by_as_of
     FROM time_to_event_summary WHERE cohort_month > (SELECT max(cohort_month) FROM time_to_event_summary) - INTERVAL 12 MONTH
     ORDER BY event, service_line, cohort_month`,
  );
  return { forecast, history, backtest, timeToEvent };
});
