// The Sources page's statement links (reports/data/sql/sources-statements.sql):
// from the manifests of data/statements/<period>/, each office's latest
// statement (the period ending last; of two ending together, the shorter),
// named by office and organization as source_rollup names them,
// linked as <statements.link_base>/<period>/<pdf>. The view is made as the
// sources loader makes it, over manifests written as `refloop statements`
// writes them.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { selectsDir } from '../../src/site/loader.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-statement-links-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const HEADER = 'office,organization,liaison,pdf,html,referrals,previous_referrals,last_year_referrals,open_referrals';
async function manifest(period: string, rows: string[]): Promise<string> {
  await mkdir(join(dir, period), { recursive: true });
  const file = join(dir, period, 'manifest.csv');
  await writeFile(file, `${[HEADER, ...rows].join('\n')}\n`);
  return file;
}

it('links each office to its latest statement, by the period ending last and then the shorter', async () => {
  const files = [
    await manifest('2026-Q3', ['Elm Street,North Group,Dana Whitfield,elm-street--north-group.pdf,elm-street--north-group.html,10,9,8,1', 'Oak Clinic,,,oak-clinic.pdf,oak-clinic.html,3,2,1,0']),
    await manifest('2026-Q4', ['"Elm Street",North Group,"Dana Whitfield, Marcus Reyes",elm-street--north-group.pdf,elm-street--north-group.html,12,10,9,2']),
    // Ends with the quarter and the year, and is the shortest of them: the latest.
    await manifest('2026-12', ['Elm Street,North Group,,elm-street--north-group.pdf,elm-street--north-group.html,4,3,3,1']),
    await manifest('2026', ['Elm Street,North Group,,elm-street--north-group.pdf,elm-street--north-group.html,40,0,30,2', 'Oak Clinic,,,oak-clinic.pdf,oak-clinic.html,9,0,7,0']),
    // --from/--to: ends before the year does.
    await manifest('2026-10-01_2026-11-14', ['Oak Clinic,,,oak-clinic.pdf,oak-clinic.html,2,1,1,0']),
  ];
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("CREATE TABLE config_params AS SELECT 'https://intranet.example/statements' AS statements_link_base");
    await connection.run(
      `CREATE VIEW statement_manifests AS SELECT * FROM read_csv([${files.map(sqlString).join(', ')}], header = true, delim = ',', quote = '"', escape = '"', columns = {'office': 'VARCHAR', 'organization': 'VARCHAR', 'liaison': 'VARCHAR', 'pdf': 'VARCHAR', 'html': 'VARCHAR', 'referrals': 'BIGINT', 'previous_referrals': 'BIGINT', 'last_year_referrals': 'BIGINT', 'open_referrals': 'BIGINT'}, filename = true)`,
    );
    const rows = (await connection.runAndReadAll(await readFile(join(selectsDir(), 'sources-statements.sql'), 'utf8'))).getRowObjectsJson();
    expect(rows).toEqual([
      { office: 'Elm Street', organization: 'North Group', period: '2026-12', pdf: 'elm-street--north-group.pdf', pdf_link: 'https://intranet.example/statements/2026-12/elm-street--north-group.pdf' },
      { office: 'Oak Clinic', organization: 'No organization on record', period: '2026', pdf: 'oak-clinic.pdf', pdf_link: 'https://intranet.example/statements/2026/oak-clinic.pdf' },
    ]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
