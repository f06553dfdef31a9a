-- Days to the first appointment, every urgency, in the config's buckets, per service line and 'all' (duration_bucket_totals).
select service_line, bucket, bucket_order, referrals
from duration_bucket_totals
where measure = 'days_to_appointment' and urgency = 'all'
order by service_line, bucket_order
