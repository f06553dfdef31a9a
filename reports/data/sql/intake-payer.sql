-- Seen by payer, suppressed in the mart (payer_completion): a null count or rate is a suppressed cell.
select payer_type, service_line, referrals, with_visit_count, completion_rate, is_suppressed as suppressed
from payer_completion
order by payer_type, service_line
