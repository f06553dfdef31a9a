-- Rows read but deliberately not loaded, by source and rule (skipped_rows_by_rule), the largest first.
select source, rule, rows, files
from skipped_rows_by_rule
order by rows desc, source, rule
