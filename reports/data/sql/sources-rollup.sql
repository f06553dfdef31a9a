-- The scorecard rolled up by office and by organization (source_rollup).
select level, source, npi, name, office, organization, liaison, clinicians, clinician_npis, referrals, share_of_referrals,
       last_13_weeks, previous_13_weeks, in_scope_rate, complete_at_receipt_rate, incomplete_at_receipt_rate, conversion_rate,
       conversion_shrunk, conversion_shrunk_low, conversion_shrunk_high, no_show_rate, loop_closure_rate,
       strftime(last_referral_at, '%Y-%m-%d') as last_referral
from source_rollup
where level in ('office', 'organization')
order by level, referrals desc, name
