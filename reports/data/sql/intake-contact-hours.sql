-- Time to first contact by urgency, in the config's buckets, per service line and 'all' (duration_bucket_totals); the page orders them by bucket_order.
select service_line, urgency, bucket, bucket_order, referrals
from duration_bucket_totals
where measure = 'hours_to_contact' and urgency <> 'all'
order by service_line, urgency, bucket_order
