// Sources: the scorecard per referring clinician and its roll-up by office
// and organization (source_rollup), the concentration (source_concentration),
// the weekly trend of the largest sources (source_weekly), and each office's
// latest referrer statement, each a select of reports/data/sql/sources-*.sql.
// Clinicians are not patients: no suppression needed. The statements are not
// in the snapshot set: their manifests (data/statements/<period>/manifest.csv,
// beside the published set; offices and counts, nothing about a patient) are
// read here as the view statement_manifests.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { publishedDir, runLoader } from '../../src/site/loader.ts';

const MANIFEST_COLUMNS = "{'office': 'VARCHAR', 'organization': 'VARCHAR', 'liaison': 'VARCHAR', 'pdf': 'VARCHAR', 'html': 'VARCHAR', 'referrals': 'BIGINT', 'previous_referrals': 'BIGINT', 'last_year_referrals': 'BIGINT', 'open_referrals': 'BIGINT'}";

async function manifests(): Promise<string[]> {
  const dir = join(dirname(publishedDir()), 'statements');
  const periods = existsSync(dir) ? await readdir(dir, { withFileTypes: true }) : [];
  return periods.filter((p) => p.isDirectory() && !p.name.includes('.tmp-')).map((p) => join(dir, p.name, 'manifest.csv')).filter((f) => existsSync(f));
}

await runLoader('sources', async (select, query) => {
  const files = await manifests();
  await query(
    files.length
      ? `CREATE VIEW statement_manifests AS SELECT * FROM read_csv([${files.map(sqlString).join(', ')}], header = true, delim = ',', quote = '"', escape = '"', columns = ${MANIFEST_COLUMNS}, filename = true)`
      : `CREATE VIEW statement_manifests AS SELECT * FROM (SELECT NULL::VARCHAR AS office, NULL::VARCHAR AS organization, NULL::VARCHAR AS pdf, NULL::VARCHAR AS filename) WHERE false`,
  );
  const [concentration] = await select('sources-concentration');
  return {
    scorecard: await select('sources-scorecard'),
    rollup: await select('sources-rollup'),
    concentration: concentration ?? null,
    weekly: await select('sources-weekly'),
    statements: await select('sources-statements'),
  };
});
