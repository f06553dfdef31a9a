-- The moment the numbers are for.
select strftime(as_of, '%Y-%m-%d %H:%M') as as_of from config_params
