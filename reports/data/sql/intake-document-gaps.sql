-- Packets incomplete at receipt by document, channel and service line (document_gaps).
select dimension, value, referrals, incomplete_at_receipt_count, incomplete_at_receipt_rate, still_incomplete_count,
       median_hours_to_complete, p90_hours_to_complete
from document_gaps
where dimension <> 'source'
order by dimension, incomplete_at_receipt_rate desc
