-- Offices (source_rollup's practices) with 20+ in-scope referrals in the source window, most often incomplete first.
select name, organization, clinicians, clinician_npis, in_scope_count, incomplete_at_receipt_count, incomplete_at_receipt_rate
from source_rollup
where level = 'office' and in_scope_count >= 20
order by incomplete_at_receipt_rate desc, name
limit 12
