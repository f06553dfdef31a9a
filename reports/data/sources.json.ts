// Sources: the scorecard per referring clinician (clinicians are not
// patients: no suppression needed), volume trend, and concentration.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('sources', async (query) => {
  const scorecard = await query(
    `WITH trend AS (
       SELECT source,
              count(*) FILTER (WHERE received_at > as_of - INTERVAL 91 DAY) AS last_13_weeks,
              count(*) FILTER (WHERE received_at <= as_of - INTERVAL 91 DAY AND received_at > as_of - INTERVAL 182 DAY) AS previous_13_weeks
       FROM fct_referrals, config_params GROUP BY source
     )
     SELECT q.source, coalesce(q.source_name, CASE WHEN q.source = 'unknown' THEN 'No valid NPI' ELSE q.source END) AS name,
            q.source_practice AS practice, q.organization, q.liaison, q.referrals,
            trend.last_13_weeks, trend.previous_13_weeks,
            q.in_scope_rate, q.complete_at_receipt_rate, q.conversion_rate, q.conversion_shrunk, q.conversion_shrunk_low, q.conversion_shrunk_high,
            q.conversion_denominator, q.no_show_rate, q.median_days_to_appointment, q.loop_closure_rate,
            strftime(q.last_referral_at, '%Y-%m-%d') AS last_referral
     FROM source_quality q LEFT JOIN trend USING (source)
     ORDER BY q.referrals DESC`,
  );
  const [concentration] = await query(
    `WITH ranked AS (
       SELECT referrals, row_number() OVER (ORDER BY referrals DESC) AS rank, referrals / sum(referrals) OVER () AS share
       FROM source_quality WHERE source <> 'unknown'
     )
     SELECT sum(share) FILTER (WHERE rank = 1) AS top_1_share, sum(share) FILTER (WHERE rank <= 5) AS top_5_share,
            sum(share) FILTER (WHERE rank <= 10) AS top_10_share, sum(share * share) * 10000 AS hhi, count(*) AS sources
     FROM ranked`,
  );
  const weekly = await query(
    `WITH top AS (SELECT source FROM source_quality WHERE source <> 'unknown' ORDER BY referrals DESC LIMIT 8)
     SELECT received_week::VARCHAR AS week, coalesce(q.source_name, f.source) AS name, count(*) AS referrals
     FROM fct_referrals f JOIN top USING (source) LEFT JOIN source_quality q USING (source)
     -- The 52 complete weeks up to this week: no week cut short at either end.
     WHERE f.received_week > (SELECT max(week) FROM kpi_weekly WHERE is_this_week) - INTERVAL 52 WEEK
       AND f.received_week <= (SELECT max(week) FROM kpi_weekly WHERE is_this_week)
     GROUP BY ALL ORDER BY ALL`,
  );
  return { scorecard, concentration: concentration ?? null, weekly };
});
