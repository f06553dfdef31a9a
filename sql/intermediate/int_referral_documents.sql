-- Grain: one row per in-scope referral and document its packet requires.
--
-- Required documents come from config_required_documents for the referral's
-- service line and type (a type not listed requires none, so has no rows).
-- A document present at receipt is complete at received_at; a missing one is
-- complete when it first arrives (`doc_received` with that document type,
-- known at as_of). An arrival recorded before receipt counts as at receipt,
-- so no duration is ever negative.
with referrals as (
  select referral_id, service_line, referral_type, received_at, documents, is_configured_service_line from int_referrals
),
decisions as (
  select referral_id, has_out_of_scope_decline from int_referral_events
),
in_scope as (
  select referrals.*
  from referrals
  left join decisions on decisions.referral_id = referrals.referral_id
  where referrals.is_configured_service_line and not coalesce(decisions.has_out_of_scope_decline, false)
),
required as (
  select
    in_scope.referral_id,
    in_scope.received_at,
    required.document_type,
    list_contains(in_scope.documents, required.document_type) as is_present_at_receipt
  from in_scope
  join config_required_documents as required
    on required.service_line = in_scope.service_line and required.referral_type = in_scope.referral_type
),
arrivals as (
  select referral_id, detail as document_type, min(event_at) as first_received_at
  from int_events
  where event_type = 'doc_received'
  group by all
),
completed as (
  select
    required.*,
    case
      when required.is_present_at_receipt then required.received_at
      -- greatest() skips nulls: a document that never arrived must stay null.
      when arrivals.first_received_at is not null then greatest(arrivals.first_received_at, required.received_at)
    end as document_complete_at
  from required
  left join arrivals on arrivals.referral_id = required.referral_id and arrivals.document_type = required.document_type
)
select * from completed
