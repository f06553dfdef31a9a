// Intake: time to contact by urgency, SLA trend, document gaps, time to a
// complete packet, appointment lead time, and referrals by payer with
// small-cell suppression (payer is a patient attribute).
import { suppressTable } from '../../src/privacy/suppression.ts';
import { minCellSize, runLoader } from '../../src/site/loader.ts';

const WINDOW = "received_at > (SELECT as_of FROM config_params) - INTERVAL 182 DAY";

await runLoader('intake', async (query) => {
  const contactHours = await query(
    `SELECT service_line, urgency,
       CASE WHEN hours_to_contact < 4 THEN '0–4 h' WHEN hours_to_contact < 24 THEN '4–24 h' WHEN hours_to_contact < 48 THEN '1–2 days'
            WHEN hours_to_contact < 72 THEN '2–3 days' WHEN hours_to_contact < 120 THEN '3–5 days' ELSE 'over 5 days' END AS bucket,
       count(*) AS referrals
     FROM fct_referrals WHERE hours_to_contact IS NOT NULL AND in_scope AND ${WINDOW}
     GROUP BY ALL ORDER BY ALL`,
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
     WHERE dimension <> 'source' OR (referrals >= 20 AND value <> 'unknown')
     ORDER BY dimension, incomplete_at_receipt_rate DESC`,
  );
  const leadTime = await query(
    `SELECT service_line,
       CASE WHEN days_to_appointment <= 7 THEN '0–7 days' WHEN days_to_appointment <= 14 THEN '8–14 days'
            WHEN days_to_appointment <= 30 THEN '15–30 days' WHEN days_to_appointment <= 60 THEN '31–60 days' ELSE 'over 60 days' END AS bucket,
       count(*) AS referrals
     FROM fct_referrals WHERE days_to_appointment IS NOT NULL AND ${WINDOW}
     GROUP BY ALL ORDER BY ALL`,
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
  return { contactHours, slaTrend, documentGaps, leadTime, payer };
});
