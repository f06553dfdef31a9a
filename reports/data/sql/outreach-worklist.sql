-- The liaisons' worklist (outreach_worklist: clinicians, not patients).
select liaison, is_unassigned, liaison_order, rank_in_liaison, is_shown, actions_in_liaison_count, more_in_liaison_count,
       round(visits_at_stake_in_liaison, 1) as visits_at_stake_in_liaison, round(visits_at_stake_in_category, 1) as visits_at_stake_in_category,
       priority_rank, npi, clinician, office, organization, category, reason,
       round(visits_at_stake, 1) as visits_at_stake, confidence, referrals_last_year, strftime(last_referral_at, '%Y-%m-%d') as last_referral
from outreach_worklist
order by liaison_order, rank_in_liaison
