-- Checks: source_quality
-- Severity: error
-- When it fires: a rate lies outside 0–1, so a numerator and denominator disagree; fix the model before publishing.
select source
from source_quality
where not (
  coalesce(in_scope_rate, 0) between 0 and 1
  and coalesce(complete_at_receipt_rate, 0) between 0 and 1
  and coalesce(conversion_rate, 0) between 0 and 1
  and coalesce(no_show_rate, 0) between 0 and 1
  and coalesce(loop_closure_rate, 0) between 0 and 1
  and conversion_shrunk_low <= conversion_shrunk and conversion_shrunk <= conversion_shrunk_high
)
