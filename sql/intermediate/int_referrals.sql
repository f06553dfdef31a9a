-- Grain: one row per referral received at or before as_of.
--
-- Only what was known at as_of counts, boundary included. The receipt date and
-- ISO week (named by its Monday) are local dates in the practice's time zone,
-- taken from the config (the local_date macro) rather than the session, so they do not depend on
-- who opens the warehouse. A service line is configured when the config lists
-- it; its contact SLA is the line's own for the urgency, else the default.
-- Each referral carries its source (int_referral_sources: the valid referring
-- NPI, else the directory entry its referring_id names, else 'unknown').
with referrals as (
  select stg_referrals.*, sources.source, sources.source_rule, sources.has_unknown_referring_id
  from stg_referrals
  join int_referral_sources as sources on sources.referral_id = stg_referrals.referral_id
),
params as (
  select * from config_params
),
known as (
  select referrals.*, local_date(referrals.received_at) as received_date
  from referrals, params
  where referrals.received_at <= params.as_of
),
with_week as (
  select *, cast(date_trunc('week', received_date) as date) as received_week
  from known
),
with_config as (
  select
    with_week.*,
    lines.service_line is not null as is_configured_service_line,
    coalesce(line_sla.sla_hours, default_sla.sla_hours) as contact_sla_hours
  from with_week
  left join config_service_lines as lines on lines.service_line = with_week.service_line
  left join config_contact_sla as line_sla on line_sla.service_line = with_week.service_line and line_sla.urgency = with_week.urgency
  left join config_default_contact_sla as default_sla on default_sla.urgency = with_week.urgency
)
select * from with_config
