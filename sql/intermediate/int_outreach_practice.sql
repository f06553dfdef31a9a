-- Grain: one row: the practice's referrals of the source window that the outreach rules compare each clinician with.
--
-- Known sources only (not 'unknown'), received in the year before as_of, split
-- into recent and baseline by int_outreach_window. Conversion: the share of in-scope referrals
-- whose leakage window has passed that had a visit within it; also for
-- those complete and incomplete at receipt.
--
-- @column recent_count: Referrals in the recent window.
-- @column baseline_count: Referrals before it.
-- @column conversion_rate: Conversion of in-scope, matured referrals.
-- @column incomplete_rate: Share of in-scope referrals incomplete at receipt.
-- @column conversion_rate_complete: Conversion of those complete at receipt.
-- @column conversion_rate_incomplete: Conversion of those incomplete at receipt.
select
  count(*) filter (where year.is_recent) as recent_count,
  count(*) filter (where not year.is_recent) as baseline_count,
  avg(case when year.has_visit_within_leakage_window then 1 else 0 end) filter (where year.in_scope and year.is_leakage_window_passed) as conversion_rate,
  avg(case when not year.docs_complete_at_receipt then 1 else 0 end) filter (where year.in_scope) as incomplete_rate,
  avg(case when year.has_visit_within_leakage_window then 1 else 0 end) filter (where year.in_scope and year.is_leakage_window_passed and year.docs_complete_at_receipt) as conversion_rate_complete,
  avg(case when year.has_visit_within_leakage_window then 1 else 0 end) filter (where year.in_scope and year.is_leakage_window_passed and not year.docs_complete_at_receipt) as conversion_rate_incomplete
from int_outreach_window as year
