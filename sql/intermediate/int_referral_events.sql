-- Grain: one row per referral that has at least one event known at as_of.
--
-- A referral is declined when it has any `declined` event; its reason is the
-- detail of the first one (earliest, then alphabetical for a tie). A
-- `declined` event with detail out_of_scope takes the referral out of scope.
-- First contact is the earliest `contact_made`.
with events as (
  select * from int_events
),
summarized as (
  select
    referral_id,
    bool_or(event_type = 'declined' and detail = 'out_of_scope') as has_out_of_scope_decline,
    bool_or(event_type = 'declined') as is_declined,
    first(detail order by event_at, detail nulls last) filter (where event_type = 'declined') as decline_reason,
    min(event_at) filter (where event_type = 'contact_made') as first_contact_at
  from events
  group by referral_id
)
select * from summarized
