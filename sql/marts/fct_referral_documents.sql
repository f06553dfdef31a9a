-- Grain: one row per in-scope referral and document its packet requires (config service_lines[].required_documents).
--
-- Which documents came with each packet, and when a missing one arrived (a
-- doc_received event known at as_of; one recorded before receipt counts as
-- at receipt). A referral type that requires nothing has no rows. What the
-- referrer statements count as the documents most often missing.
--
-- @column referral_id: The referral (fct_referrals.referral_id).
-- @column document_type: A document its service line and type require.
-- @column is_present_at_receipt: The document came with the referral.
-- @column document_complete_at: When the document was in hand: received_at when present at receipt, else its first arrival; null while missing.
-- @column as_of: The moment the numbers are for (config_params.as_of).
-- @column run_id: The run that built it (runs.run_id).
select
  documents.referral_id,
  documents.document_type,
  documents.is_present_at_receipt,
  documents.document_complete_at,
  config_params.as_of,
  config_params.run_id
from int_referral_documents as documents
cross join config_params
