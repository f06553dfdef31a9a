-- Grain: one row per visit that took place at or before as_of. A summary sent
-- after as_of was not yet sent.
--
-- A filter of the visits that two models read: a view, so each reads the
-- visits table itself rather than a copy made first.
-- @view
with visits as (
  select * from stg_visits
),
params as (
  select * from config_params
),
known as (
  select
    visits.* replace (case when visits.summary_sent_at <= params.as_of then visits.summary_sent_at end as summary_sent_at)
  from visits, params
  where visits.visit_at <= params.as_of
)
select * from known
