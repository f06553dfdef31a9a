// Outreach: the liaisons' worklist (outreach_worklist: clinicians, not
// patients) and how concentrated the practice's visits are
// (source_concentration), and the measured lift of a liaison's touch
// (liaison_lift), each liaison's panel against goals (liaison_panels) and
// referrer tiers (referrer_tiers), each a select of reports/data/sql/outreach-*.sql.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('outreach', async (select) => {
  const [concentration] = await select('outreach-concentration');
  return { worklist: await select('outreach-worklist'), concentration: concentration ?? null, lift: await select('outreach-lift'), panels: await select('outreach-panels'), tiers: await select('outreach-tiers') };
});
