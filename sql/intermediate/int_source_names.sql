-- Grain: one row per source with a valid referring NPI.
--
-- How the referrals themselves name the clinician and office (the most
-- common spelling), for sources the directory does not list.
with referrals as (
  select source, referring_name, referring_practice from int_referrals where source <> 'unknown'
)
select source, mode(referring_name) as written_name, mode(referring_practice) as written_practice
from referrals
group by source
