// Outreach: the liaisons' worklist (outreach_worklist: clinicians, not
// patients) and how concentrated the practice's visits are
// (source_concentration), each a select of reports/data/sql/outreach-*.sql.
// Panels, tiers, alerts and the lift are the Liaisons page's.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('outreach', async (select) => {
  const [concentration] = await select('outreach-concentration');
  return { worklist: await select('outreach-worklist'), concentration: concentration ?? null };
});
