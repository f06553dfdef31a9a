// Intake: time to contact by urgency (duration_buckets), the SLA trend
// (sla_trend), document gaps (document_gaps, source_rollup), appointment
// lead time, and referrals seen by payer (payer_completion, suppressed in
// the mart: payer is a patient attribute), each a select of
// reports/data/sql/intake-*.sql.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('intake', async (select) => ({
  serviceLines: await select('service-lines'),
  contactHours: await select('intake-contact-hours'),
  slaTrend: await select('intake-sla-trend'),
  documentGaps: await select('intake-document-gaps'),
  offices: await select('intake-offices'),
  leadTime: await select('intake-lead-time'),
  payer: await select('intake-payer'),
}));
