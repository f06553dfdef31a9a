// Outreach: the liaisons' worklist (outreach_worklist: clinicians, not
// patients) and how concentrated the practice's visits are (source_concentration).
import { runLoader } from '../../src/site/loader.ts';

await runLoader('outreach', async (query) => {
  const worklist = await query(
    `SELECT liaison, is_unassigned, liaison_order, rank_in_liaison, is_shown, actions_in_liaison, more_in_liaison,
            round(visits_at_stake_in_liaison, 1) AS visits_at_stake_in_liaison, round(visits_at_stake_in_category, 1) AS visits_at_stake_in_category,
            priority_rank, npi, clinician, practice, organization, category, reason,
            round(visits_at_stake, 1) AS visits_at_stake, confidence, referrals_last_year, strftime(last_referral_at, '%Y-%m-%d') AS last_referral
     FROM outreach_worklist ORDER BY liaison_order, rank_in_liaison`,
  );
  const [concentration] = await query('SELECT top_1_visit_share, top_10_visit_share, visits_at_risk_if_largest_lapsed, hhi FROM source_concentration');
  return { worklist, concentration: concentration ?? null };
});
