// Intake: time to contact by urgency, SLA trend, document gaps, time to a
// complete packet, appointment lead time, and referrals by payer with
// small-cell suppression (payer is a patient attribute).
import { suppressTable } from '../../src/privacy/suppression.ts';
import { minCellSize, runLoader } from '../../src/site/loader.ts';

const WINDOW = "received_at > (SELECT as_of FROM config_params) - INTERVAL 182 DAY";

await runLoader('intake', async (query) => {
  // The buckets come from duration_buckets (their edges and labels are the config's); the page orders them by bucket_order.
  const contactHours = await query(
    `SELECT service_line, urgency, bucket, bucket_order, referrals FROM duration_buckets
     WHERE measure = 'hours_to_contact' ORDER BY service_line, urgency, bucket_order`,
  );
  // Weeks whose every referral is past the longest SLA (kpi_weekly's is_mature), so the last point is not a young week's partial verdicts.
  const slaTrend = await query(
    `SELECT week::VARCHAR AS week, service_line, value AS rate
     FROM kpi_weekly
     WHERE metric = 'contact_sla_met_rate' AND is_mature AND value IS NOT NULL
       AND week > (SELECT max(week) FROM kpi_weekly WHERE is_this_week) - INTERVAL 104 WEEK
     ORDER BY ALL`,
  );
  const documentGaps = await query(
    `SELECT dimension, value, referrals, incomplete_at_receipt, incomplete_at_receipt_rate, still_incomplete,
            median_hours_to_complete, p90_hours_to_complete
     FROM document_gaps
     WHERE dimension <> 'source'
     ORDER BY dimension, incomplete_at_receipt_rate DESC`,
  );
  // Offices (source_rollup's practices) with 20+ in-scope referrals in the source window, by name; their clinicians' NPIs for the hover.
  const offices = await query(
    `SELECT name, organization, clinicians, clinician_npis, in_scope, incomplete_at_receipt, incomplete_at_receipt_rate
     FROM source_rollup WHERE level = 'practice' AND in_scope >= 20
     ORDER BY incomplete_at_receipt_rate DESC, name LIMIT 12`,
  );
  const leadTime = await query(
    `SELECT service_line, urgency, bucket, bucket_order, referrals FROM duration_buckets
     WHERE measure = 'days_to_appointment' ORDER BY service_line, urgency, bucket_order`,
  );
  const byPayer = await query<{ payer_type: string; service_line: string; referrals: number; completed: number }>(
    `SELECT coalesce(payer_type, 'not recorded') AS payer_type, service_line, count(*) AS referrals, count(*) FILTER (WHERE is_completed) AS completed
     FROM fct_referrals WHERE in_scope AND ${WINDOW} GROUP BY ALL`,
  );
  const referralCells = suppressTable(byPayer.map((r) => ({ row: r.payer_type, column: r.service_line, count: r.referrals })), minCellSize());
  const completedCells = suppressTable(byPayer.map((r) => ({ row: r.payer_type, column: r.service_line, count: r.completed })), minCellSize());
  const payer = referralCells.map((cell) => {
    const completed = completedCells.find((c) => c.row === cell.row && c.column === cell.column)!;
    const rate = cell.shown === null || completed.shown === null || cell.count === 0 ? null : completed.count / cell.count;
    return { payer_type: cell.row, service_line: cell.column, referrals: cell.shown, completed: completed.shown, completion_rate: rate, suppressed: cell.shown === null || completed.shown === null };
  });
  return { contactHours, slaTrend, documentGaps, offices, leadTime, payer };
});
