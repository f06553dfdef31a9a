-- This week: the last complete Monday–Sunday week before as_of.
select distinct week_start::varchar as week from kpi_signals where is_this_week
