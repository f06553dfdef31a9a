-- Checks: ingested_files
-- Severity: error
-- When it fires: a file's rows read differ from rows loaded + skipped + quarantined, so records were lost or counted twice; stop publishing, reload the file and report a bug.
select file, rows_read, rows_loaded, rows_skipped, rows_quarantined
from ingested_files
where rows_read <> rows_loaded + rows_skipped + rows_quarantined
