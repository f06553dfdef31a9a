// Sources: the scorecard per referring clinician and its roll-up by office
// and organization (source_rollup), the concentration (source_concentration),
// and the weekly trend of the largest sources. Clinicians are not patients:
// no suppression needed.
import { runLoader } from '../../src/site/loader.ts';

const COLUMNS = `level, source, npi, name, practice, organization, liaison, clinicians, clinician_npis, referrals, share_of_referrals,
  last_13_weeks, previous_13_weeks, in_scope_rate, complete_at_receipt_rate, incomplete_at_receipt_rate, conversion_rate,
  conversion_shrunk, conversion_shrunk_low, conversion_shrunk_high, no_show_rate, loop_closure_rate,
  strftime(last_referral_at, '%Y-%m-%d') AS last_referral`;

await runLoader('sources', async (query) => {
  const scorecard = await query(`SELECT ${COLUMNS} FROM source_rollup WHERE level = 'clinician' ORDER BY referrals DESC, name`);
  const rollup = await query(`SELECT ${COLUMNS} FROM source_rollup WHERE level IN ('practice', 'organization') ORDER BY level, referrals DESC, name`);
  const [concentration] = await query('SELECT top_1_share, top_5_share, top_10_share, hhi, sources FROM source_concentration');
  const weekly = await query(
    `WITH top AS (SELECT source FROM source_quality WHERE source <> 'unknown' ORDER BY referrals DESC LIMIT 8)
     SELECT received_week::VARCHAR AS week, coalesce(q.source_name, f.source) AS name, count(*) AS referrals
     FROM fct_referrals f JOIN top USING (source) LEFT JOIN source_quality q USING (source)
     -- The 52 complete weeks up to this week: no week cut short at either end.
     WHERE f.received_week > (SELECT max(week) FROM kpi_weekly WHERE is_this_week) - INTERVAL 52 WEEK
       AND f.received_week <= (SELECT max(week) FROM kpi_weekly WHERE is_this_week)
     GROUP BY ALL ORDER BY ALL`,
  );
  return { scorecard, rollup, concentration: concentration ?? null, weekly };
});
