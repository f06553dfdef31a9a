-- The measured lift of a touch, per activity type and liaison (liaison_lift).
select activity_type, liaison, activities, touches, clinicians_touched_count, before_per_week, after_per_week,
       comparison_change_per_week, lift_per_week, lift_lower_90, lift_upper_90, is_lift_detected
from liaison_lift
order by liaison = 'all' desc, liaison, activity_type
