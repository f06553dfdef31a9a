import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { refloop } from '../helpers/cli.ts';
import { BASE_CONFIG, csv, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-cli-'));
  await mkdir(join(dir, 'data/inbox'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('refuses a bad config before it touches the warehouse, listing each problem', async () => {
  await writeFile(join(dir, 'refloop.config.json'), JSON.stringify({ timezone: 'Nowhere', service_lines: [] }));
  const result = refloop(['ingest'], { cwd: dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('$.timezone: not an IANA time zone name');
  expect(result.stderr).toContain('$.service_lines:');
  expect(existsSync(join(dir, 'data/warehouse.duckdb'))).toBe(false);
});

it('prints the accounting, names refused files, exits non-zero, then queries by bare name', async () => {
  await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(BASE_CONFIG));
  await writeFile(join(dir, 'data/inbox/referrals_1.csv'), csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', received_at: 'never' })));
  await writeFile(join(dir, 'data/inbox/visits_1.csv'), csv('visit_id,patient_id', 'V1,MRN-1'));
  const result = refloop(['ingest'], { cwd: dir });
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('ingest: 1 file loaded, 1 refused; 2 rows read, 1 loaded, 1 quarantined\n');
  expect(result.stderr).toContain('visits_1.csv: refused, nothing of it loaded, left in the inbox: its header lacks the required columns service_line, visit_at');
  expect(result.stderr).not.toContain('MRN-1');

  const query = refloop(['sql', '--format', 'csv', 'select file, rows_read, rows_loaded, rows_quarantined from ingested_files'], { cwd: dir });
  expect(query.stdout).toBe('file,rows_read,rows_loaded,rows_quarantined\nreferrals_1.csv,2,1,1\n');
  const status = refloop(['status'], { cwd: dir });
  expect(status.code).toBe(1);
  expect(status.stdout).toContain('the last run (1) failed: 1 file refused: visits_1.csv');
});
