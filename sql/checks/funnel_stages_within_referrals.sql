-- Checks: funnel_weekly
-- Severity: error
-- When it fires: a funnel stage counts more referrals than the week received, so a join fans out in fct_referrals; fix the model before publishing.
select *
from funnel_weekly
where greatest(in_scope, docs_complete, contacted, scheduled, completed, loop_closed) > referrals
