-- How many of each liaison's referrers are in tiers A, B and C (referrer_tiers).
select coalesce(liaison, 'unassigned') as liaison, tier, count(*) as referrers, sum(visits_last_year) as visits_last_year
from referrer_tiers
group by all
order by liaison, tier
