// `refloop digest` on the shared demo practice (numbers as of Monday
// 2026-11-23): a one- or two-page PDF and the same as HTML, for the week
// asked, with the marts' numbers (the dashboards' own) and nothing about a patient.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfPageCount } from '../../src/render/pdf.ts';
import { refloop } from '../helpers/cli.ts';
import { demoSite } from '../helpers/demo-site.ts';

let dir: string;
let out: string;
let html: string;
let config: { min_cell_size: number; targets?: { contact_sla_met_rate?: number } };

/** The funnel's cells by service line, as the digest shows them: [metric, line, text]. */
const funnelCells = (page: string) =>
  [...page.matchAll(/<tr data-metric="([a-z_0-9]+)">(.*?)<\/tr>/g)].flatMap(([, metric, row]) =>
    [...row!.matchAll(/<td class="num[^"]*" data-line="([^"]+)">([^<]*(?:&lt;\d+)?)<\/td>/g)].map(([, line, text]) => [metric!, line!, text!.replace('&lt;', '<')] as const),
  );

beforeAll(async () => {
  ({ dir } = await demoSite());
  out = await mkdtemp(join(tmpdir(), 'refloop-digest-'));
  config = JSON.parse(await readFile(join(dir, 'refloop.config.json'), 'utf8'));
  const run = refloop(['digest', '--out', out], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  html = await readFile(join(out, '2026-11-16', 'digest.html'), 'utf8');
}, 600_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('refloop digest', () => {
  it('writes this week’s digest (the last complete week before as_of) as a PDF of one or two pages', async () => {
    const pdf = await readFile(join(out, '2026-11-16', 'digest.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = pdfPageCount(pdf);
    expect(pages).toBeGreaterThanOrEqual(1);
    expect(pages).toBeLessThanOrEqual(2);
    expect(html).toContain('Week of Mon 16 Nov 2026 to Sun 22 Nov 2026');
  });

  it('holds the signals, the funnel, the SLA against its target, the short weeks and each liaison’s top actions', () => {
    for (const section of ['signals', 'funnel', 'sla', 'capacity', 'outreach']) expect(html).toContain(`data-section="${section}"`);
    const target = config.targets?.contact_sla_met_rate;
    expect(html).toContain(target === undefined ? 'no target set' : `the target of ${Math.round(target * 100)}%`);
    // Grouped by liaison, the unassigned (if any) last, at most three actions each.
    const liaisons = [...html.matchAll(/<tr class="liaison" data-liaison="([^"]+)">/g)].map((m) => m[1]!);
    expect(liaisons.length).toBeGreaterThan(1);
    if (liaisons.includes('unassigned')) expect(liaisons.at(-1)).toBe('unassigned');
    const perLiaison = html.split('<tr class="liaison"').slice(1).map((block) => (block.match(/<tr class="action">/g) ?? []).length);
    for (const n of perLiaison) expect(n).toBeGreaterThanOrEqual(1);
    for (const n of perLiaison) expect(n).toBeLessThanOrEqual(3);
  });

  it("shows the funnel's counts as kpi_weekly holds them for the week each stage is read for, the practice's and each line's", () => {
    const cells = funnelCells(html);
    expect(cells.length).toBeGreaterThan(20);
    const result = refloop(['sql', '--format', 'json', `SELECT metric, service_line, value FROM kpi_weekly
      WHERE week = DATE '2026-11-16' - (7 * ceil(mature_after_days / 7.0))::INTEGER`], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const marts = new Map((JSON.parse(result.stdout) as { metric: string; service_line: string; value: number | null }[]).map((r) => [`${r.metric}/${r.service_line}`, r.value]));
    for (const [metric, line, text] of cells) {
      const value = marts.get(`${metric}/${line}`);
      expect(text, `${metric} ${line}`).toBe(value === null || value === undefined ? '—' : Number(value).toLocaleString('en-US'));
    }
    // Small counts by service line are shown, as on This week (a service line is not a patient attribute).
    expect(cells.some(([, line, text]) => line !== 'all' && Number(text) >= 1 && Number(text) < config.min_cell_size)).toBe(true);
  });

  it('holds no patient name, phone, birth date, MRN or referral id from the extracts', async () => {
    const inbox = join(dir, 'data', 'inbox');
    const files = (await readdir(inbox)).filter((f) => f.startsWith('referrals_'));
    const referrals: Record<string, string>[] = (await Promise.all(files.map((f) => readFile(join(inbox, f))))).flatMap((b) => parse(b, { columns: true, relax_column_count: true }) as Record<string, string>[]);
    const sample = referrals.filter((_, i) => i % 40 === 0);
    expect(sample.length).toBeGreaterThan(50);
    for (const r of sample) {
      for (const value of [r.patient_id, r.patient_name, r.patient_phone, r.patient_birth_date, r.referral_id]) {
        if (value) expect(html.includes(value), `${value} is in the digest`).toBe(false);
      }
    }
    expect(html).not.toMatch(/MRN\d{8}|\bRF\d{8}\b|\bAP\d{8}\b|\bVS\d{8}\b|555-01\d\d/);
  });

  it('--week picks that week (any day of it), and refuses a week the published numbers do not cover', async () => {
    const run = refloop(['digest', '--week', '2026-11-04', '--out', out], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const page = await readFile(join(out, '2026-11-02', 'digest.html'), 'utf8');
    expect(page).toContain('Week of Mon 2 Nov 2026 to Sun 8 Nov 2026');
    expect(page).toMatch(/<tr data-metric="referrals"><td class="nowrap">Referrals received<\/td><td class="nowrap">2 Nov<\/td>/);
    expect(existsSync(join(out, '2026-11-02', 'digest.pdf'))).toBe(true);
    const late = refloop(['digest', '--week', '2026-11-23', '--out', out], { cwd: dir });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/week 2026-11-23 is not among them/);
    expect(existsSync(join(out, '2026-11-23'))).toBe(false);
  }, 180_000);
});
