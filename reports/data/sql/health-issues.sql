-- Data-quality issues by kind, feed and detail (data_quality), the largest first.
select issue, feed, detail, rows, what_it_means
from data_quality
order by rows desc, issue, feed, detail
