// Sources: the scorecard per referring clinician and its roll-up by office
// and organization (source_rollup), the concentration (source_concentration),
// and the weekly trend of the largest sources (source_weekly), each a select
// of reports/data/sql/sources-*.sql. Clinicians are not patients: no
// suppression needed.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('sources', async (select) => {
  const [concentration] = await select('sources-concentration');
  return {
    scorecard: await select('sources-scorecard'),
    rollup: await select('sources-rollup'),
    concentration: concentration ?? null,
    weekly: await select('sources-weekly'),
  };
});
