-- How the forecast did on past weeks (forecast_backtest).
select * from forecast_backtest order by service_line
