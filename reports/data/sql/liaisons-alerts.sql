-- The liaisons' alert worklist (liaison_alerts: clinicians and panels, not patients).
select alert_key, liaison, is_unassigned, liaison_order, alert_status, alert_status_order, alert_order, open_in_liaison, new_or_changed_in_liaison,
       rule, source, subject, office, why, visits_at_stake, signature, previous_signature,
       strftime(first_seen_at, '%Y-%m-%d') as opened, strftime(changed_at, '%Y-%m-%d') as changed, days_open
from liaison_alerts
order by liaison_order, alert_order
