// Outreach: the ranked list (clinicians, not patients) and concentration.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('outreach', async (query) => {
  const priorities = await query(
    `SELECT priority_rank, clinician, npi, practice, organization, liaison, relationship, category, reason,
            round(priority_score, 1) AS priority_score, round(visits_at_stake, 1) AS visits_at_stake, confidence, referrals_last_year
     FROM outreach_priorities ORDER BY priority_rank`,
  );
  const [concentration] = await query('SELECT * FROM source_concentration');
  return { priorities, concentration: concentration ?? null };
});
