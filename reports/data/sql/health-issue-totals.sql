-- Data-quality issues per kind and feed, summed over their details (data_quality_by_feed), the largest first.
select issue, feed, rows
from data_quality_by_feed
order by rows desc, issue, feed
