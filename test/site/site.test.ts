// The published site, built from the demo practice (fake but realistic PHI)
// exactly as a practice would build it: every page works in a real browser,
// nothing is fetched from outside, every chart draws, and no PHI and no
// referral, patient, appointment or visit id is anywhere in dist/.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../src/site/serve.ts';
import { refloop } from '../helpers/cli.ts';

const PAGES = ['/', '/intake', '/sources', '/outreach', '/capacity', '/data-health', '/definitions'];
const PAGES_WITH_CHARTS = ['/', '/intake', '/sources', '/outreach', '/capacity', '/data-health'];
let dir: string;
let site: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-site-'));
  const demo = refloop(['demo', '--referrals', '4000', '--start', '2025-06-02', '--end', '2026-11-22'], { cwd: dir });
  expect(demo.code, demo.stderr).toBe(0);
  const run = refloop(['run', '--publish', '--as-of', '2026-11-23'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  site = await serveStatic(join(dir, 'dist'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('every page in headless Chromium', () => {
  for (const path of PAGES) {
    it(`${path} loads with no console error and no request outside localhost`, async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      const outside: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => !r.url().startsWith(site.url) && !r.url().startsWith('data:') && outside.push(r.url()));
      await page.goto(`${site.url}${path}`, { waitUntil: 'networkidle' });
      await page.waitForTimeout(500);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      if (PAGES_WITH_CHARTS.includes(path)) {
        const charts = page.locator('.refloop-chart');
        expect(await charts.count()).toBeGreaterThan(0);
        for (const chart of await charts.all()) {
          await expect.poll(() => chart.locator('svg .mark-rect path, svg .mark-line path, svg .mark-symbol path, svg .mark-rect, svg .mark-line, svg .mark-symbol').count()).toBeGreaterThan(0);
        }
      }
      await page.close();
    });
  }

  it('filters in the browser: choosing a service line changes the numbers', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/`, { waitUntil: 'networkidle' });
    const before = await page.locator('.kpi .big').first().textContent();
    await page.locator('form select').first().selectOption({ index: 1 });
    await expect.poll(() => page.locator('.kpi .big').first().textContent()).not.toBe(before);
    await page.close();
  });
});

describe('what dist/ holds', () => {
  async function allText(root: string): Promise<string> {
    const parts: string[] = [];
    for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
    }
    return parts.join('\n');
  }

  it('holds no patient name, phone, birth date, ZIP or MRN from the extracts, and no referral, appointment or visit id', async () => {
    const inbox = join(dir, 'data', 'inbox');
    const files = (await readdir(inbox)).filter((f) => f.startsWith('referrals_'));
    const referrals: Record<string, string>[] = (await Promise.all(files.map((f) => readFile(join(inbox, f))))).flatMap((b) => parse(b, { columns: true, relax_column_count: true }) as Record<string, string>[]);
    const text = await allText(join(dir, 'dist'));
    const sample = referrals.filter((_, i) => i % 40 === 0);
    expect(sample.length).toBeGreaterThan(50);
    for (const r of sample) {
      for (const value of [r.patient_id, r.patient_name, r.patient_phone, r.patient_birth_date, r.referral_id]) {
        if (value) expect(text.includes(value), `${value} is in dist/`).toBe(false);
      }
    }
    expect(text).not.toMatch(/MRN\d{8}/);
    expect(text).not.toMatch(/\bRF\d{8}\b/);
    expect(text).not.toMatch(/\bAP\d{8}\b/);
    expect(text).not.toMatch(/\bVS\d{8}\b/);
    expect(text).not.toMatch(/555-01\d\d/);
  });

  it('suppresses small counts in the breakdown by payer, with a complementary cell', async () => {
    const dataDir = join(dir, 'dist', '_file', 'data');
    const intake = JSON.parse(await readFile(join(dataDir, (await readdir(dataDir)).find((f) => f.startsWith('intake.'))!), 'utf8'));
    const payer: { payer_type: string; service_line: string; referrals: number | null; completion_rate: number | null }[] = intake.payer;
    for (const cell of payer) if (cell.referrals !== null) expect(cell.referrals === 0 || cell.referrals >= 11).toBe(true);
    const hiddenPerRow = new Map<string, number>();
    for (const cell of payer) if (cell.referrals === null) hiddenPerRow.set(cell.payer_type, (hiddenPerRow.get(cell.payer_type) ?? 0) + 1);
    expect([...hiddenPerRow.values()].length).toBeGreaterThan(0);
    for (const n of hiddenPerRow.values()) expect(n).not.toBe(1);
    for (const cell of payer) if (cell.referrals === null) expect(cell.completion_rate).toBeNull();
  });
});

describe('publishing', () => {
  it('keeps the previous site when a loader fails', async () => {
    const before = await readFile(join(dir, 'dist', 'index.html'), 'utf8');
    await writeFile(join(dir, 'data', 'published', 'source_quality.parquet'), 'not parquet');
    const result = refloop(['publish'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/data loader|site build/);
    expect(await readFile(join(dir, 'dist', 'index.html'), 'utf8')).toBe(before);
  }, 120_000);
});
