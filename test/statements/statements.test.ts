// `refloop statements` on the shared demo practice (numbers as of Monday
// 2026-11-23): one single-page PDF and HTML per referring office with
// referrals in Q4 2026 so far, a manifest for the mail merge whose counts add
// up to the referrals of the period, nothing about a patient, nothing in dist/.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfPageCount } from '../../src/render/pdf.ts';
import { refloop, refloopRows } from '../helpers/cli.ts';
import { demoSite } from '../helpers/demo-site.ts';

let dir: string;
let out: string;
let run: ReturnType<typeof refloop>;
let manifest: Record<string, string>[];
const folder = () => join(out, '2026-Q4');

beforeAll(async () => {
  ({ dir } = await demoSite());
  out = await mkdtemp(join(tmpdir(), 'refloop-statements-'));
  run = refloop(['statements', '--period', '2026-Q4', '--out', out], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  manifest = parse(await readFile(join(folder(), 'manifest.csv')), { columns: true }) as Record<string, string>[];
}, 600_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

const sql = <T>(query: string): T[] => refloopRows<T>(dir, query);

describe('refloop statements', () => {
  it('writes one statement per office, each a one-page PDF beside its HTML, and says how far it got', async () => {
    expect(manifest.length).toBeGreaterThan(10);
    const files = await readdir(folder());
    for (const row of manifest) {
      expect(files).toContain(row.html);
      const pdf = await readFile(join(folder(), row.pdf!));
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdfPageCount(pdf), row.pdf).toBe(1);
    }
    expect(run.stderr).toContain(`[${manifest.length}/${manifest.length}]`);
    expect(run.stdout + run.stderr).toContain('Q4 2026 so far (1 Oct 2026 – 22 Nov 2026)');
  });

  it('counts in its manifest every referral of the period from a clinician with an office on record, each once', () => {
    const [period] = sql<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM fct_referrals JOIN referrers USING (source) WHERE source <> 'unknown' AND office IS NOT NULL AND received_at >= TIMESTAMPTZ '2026-10-01 00:00:00-04' AND received_at < TIMESTAMPTZ '2026-11-23 00:00:00-05'",
    );
    expect(manifest.reduce((sum, row) => sum + Number(row.referrals), 0)).toBe(period!.n);
    const offices = manifest.map((row) => `${row.office}|${row.organization}`);
    expect(new Set(offices).size).toBe(offices.length);
  });

  it('holds no patient name, phone, birth date, MRN or referral id, and is not published with the site', async () => {
    const html = (await Promise.all(manifest.map((row) => readFile(join(folder(), row.html!), 'utf8')))).join('\n');
    const inbox = join(dir, 'data', 'inbox');
    const files = (await readdir(inbox)).filter((f) => f.startsWith('referrals_'));
    const referrals = (await Promise.all(files.map((f) => readFile(join(inbox, f))))).flatMap((b) => parse(b, { columns: true, relax_column_count: true }) as Record<string, string>[]);
    for (const r of referrals.filter((_, i) => i % 25 === 0)) {
      for (const value of [r.patient_id, r.patient_name, r.patient_phone, r.patient_birth_date, r.referral_id]) if (value) expect(html.includes(value), 'a patient value is in a statement').toBe(false);
    }
    expect(html).not.toMatch(/MRN\d{8}|\bRF\d{8}\b|\bAP\d{8}\b|\bVS\d{8}\b|555-01\d\d/);
    expect(existsSync(join(dir, 'dist', 'statements'))).toBe(false);
  });

  it('writes one office with --office, and refuses a period the numbers do not reach', async () => {
    const office = manifest[0]!.office!;
    const one = refloop(['statements', '--period', '2026-Q4', '--office', office, '--out', join(out, 'one')], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    const rows = parse(await readFile(join(out, 'one', '2026-Q4', 'manifest.csv')), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.office)).toEqual(manifest.filter((r) => r.office === office).map((r) => r.office));
    const early = refloop(['statements', '--period', '2027-Q1', '--out', out], { cwd: dir });
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/has not begun/);
  }, 180_000);
});
