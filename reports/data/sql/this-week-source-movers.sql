-- The ten referring clinicians whose weekly volume moved most beyond noise (source_movers).
select source, name, office, liaison, recent_per_week, baseline_per_week, change_per_week, change_z
from source_movers
where mover_rank <= 10
order by mover_rank
