-- Grain: one row per (dimension, value): the document gaps of in-scope
-- referrals received in the trailing source window.
--
-- Window: referrals received in the source_window_days (× 24 hours) before
-- as_of, both ends included, and in scope (only in-scope referrals have
-- required documents). Dimensions: overall, service_line, channel, source
-- (fct_referrals.source: the referring NPI, or the directory provider_id of a
-- clinician without one, or 'unknown'), and document_type; for a document
-- type the referrals counted are those whose packet requires it.
--
-- Time to complete is measured over the referrals incomplete at receipt that
-- were completed by as_of (real elapsed hours from receipt); those still
-- incomplete are counted in still_incomplete_count and left out of the median and
-- 90th percentile, which therefore flatter recent weeks (time-to-event curves
-- correct for that).
--
-- Listed: a source's row is listed on the dashboards when the source is known
-- (not 'unknown') and has at least document_gaps_min_source_referrals
-- in-scope referrals in the window (config document_gaps.min_source_referrals,
-- default 20), so an office is not judged on a handful of packets; every row
-- of the other dimensions is listed.
--
-- @column dimension: What the row breaks down by: overall, service_line, channel, source or document_type.
-- @column value: The service line, channel, source, document type, or 'all'.
-- @column referrals: In-scope referrals in the window (for a document type: those whose packet requires it).
-- @column incomplete_at_receipt_count: Of them, incomplete at receipt (for a document type: missing that document).
-- @column incomplete_at_receipt_rate: incomplete_at_receipt_count / referrals.
-- @column docs_completed_later_count: Of those incomplete, completed by as_of.
-- @column still_incomplete_count: Of those incomplete, still incomplete at as_of.
-- @column median_hours_to_complete: Median real elapsed hours from receipt to complete, over those completed later.
-- @column p90_hours_to_complete: 90th percentile of the same.
-- @column is_listed: The dashboards list the row: every row but a source's that is 'unknown' or has fewer than document_gaps.min_source_referrals (default 20) referrals.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built the row (runs.run_id).
-- @unique dimension, value
-- @accepted_values dimension: overall, service_line, channel, source, document_type
with in_window as (
  select
    fct_referrals.*,
    (epoch(fct_referrals.docs_completed_at) - epoch(fct_referrals.received_at)) / 3600.0 as hours_to_complete
  from fct_referrals
  where fct_referrals.in_scope and fct_referrals.is_in_source_window
),
by_referral as (
  select 'overall' as dimension, 'all' as value, * from in_window
  union all by name
  select 'service_line' as dimension, service_line as value, * from in_window
  union all by name
  select 'channel' as dimension, coalesce(channel, 'unknown') as value, * from in_window
  union all by name
  select 'source' as dimension, source as value, * from in_window
),
referral_gaps as (
  select
    dimension,
    value,
    count(*) as referrals,
    count(*) filter (where not docs_complete_at_receipt) as incomplete_at_receipt_count,
    count(*) filter (where not docs_complete_at_receipt and docs_completed_at is not null) as docs_completed_later_count,
    count(*) filter (where docs_completed_at is null) as still_incomplete_count,
    median(hours_to_complete) filter (where not docs_complete_at_receipt) as median_hours_to_complete,
    quantile_cont(hours_to_complete, 0.9) filter (where not docs_complete_at_receipt) as p90_hours_to_complete
  from by_referral
  group by all
),
document_gaps as (
  select
    'document_type' as dimension,
    documents.document_type as value,
    count(*) as referrals,
    count(*) filter (where not documents.is_present_at_receipt) as incomplete_at_receipt_count,
    count(*) filter (where not documents.is_present_at_receipt and documents.document_complete_at is not null) as docs_completed_later_count,
    count(*) filter (where documents.document_complete_at is null) as still_incomplete_count,
    median((epoch(documents.document_complete_at) - epoch(documents.received_at)) / 3600.0) filter (where not documents.is_present_at_receipt) as median_hours_to_complete,
    quantile_cont((epoch(documents.document_complete_at) - epoch(documents.received_at)) / 3600.0, 0.9) filter (where not documents.is_present_at_receipt) as p90_hours_to_complete
  from int_referral_documents as documents
  semi join in_window on in_window.referral_id = documents.referral_id
  group by all
),
combined as (
  select * from referral_gaps
  union all by name
  select * from document_gaps
),
final as (
  select
    dimension,
    value,
    referrals,
    incomplete_at_receipt_count,
    cast(incomplete_at_receipt_count as double) / nullif(referrals, 0) as incomplete_at_receipt_rate,
    docs_completed_later_count,
    still_incomplete_count,
    median_hours_to_complete,
    p90_hours_to_complete,
    dimension <> 'source' or (value <> 'unknown' and referrals >= thresholds.document_gaps_min_source_referrals) as is_listed
  from combined
  cross join config_thresholds as thresholds
),
stamped as (
  select final.*, params.as_of, params.run_id
  from final
  cross join config_params as params
)
select * from stamped
