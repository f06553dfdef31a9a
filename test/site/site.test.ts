// The published site, built from the demo practice (fake but realistic PHI)
// exactly as a practice would build it: every page works in a real browser,
// nothing is fetched from outside, every chart draws, and no PHI and no
// referral, patient, appointment or visit id is anywhere in dist/.
//
// It also looks, as a person would, on a desktop and a phone: no sideways
// scroll, nothing drawn over the footer, no chart wider than its card, no bar
// past its axis. The screenshots it takes are kept in test-output/screenshots/
// (git-ignored) for a person to look at.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../src/site/serve.ts';
import { refloop } from '../helpers/cli.ts';
import { copyOfDemoSite, demoSite } from '../helpers/demo-site.ts';
import { CHART_MARKS, LAYOUT_PROBE, SCOPE_TITLES } from './layout-probe.ts';

const PAGES = ['/', '/intake', '/sources', '/outreach', '/liaisons', '/capacity', '/data-health', '/definitions'];
const PAGES_WITH_CHARTS = ['/', '/intake', '/sources', '/outreach', '/capacity', '/data-health'];
/** A desktop and a phone. */
const WIDTHS = [1280, 390];
const SCREENSHOTS = join(import.meta.dirname, '../../test-output/screenshots');
let dir: string;
let builtOffline: true | string;
let site: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
  // The shared demo practice (test/helpers/demo-site.ts): its last day is Sunday 2026-11-22, numbers as of the Monday after.
  ({ dir, builtOffline } = await demoSite());
  site = await serveStatic(join(dir, 'dist'));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // This run's screenshots only: a page that failed to load leaves no picture from an earlier run.
  await rm(SCREENSHOTS, { recursive: true, force: true });
  await mkdir(SCREENSHOTS, { recursive: true });
  // The folder ignores itself, so screenshots are never committed.
  if (!existsSync(join(SCREENSHOTS, '..', '.gitignore'))) await writeFile(join(SCREENSHOTS, '..', '.gitignore'), '*\n');
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** Opens a page at a width and waits until every chart has drawn its marks. */
async function open(path: string, width: number): Promise<{ page: Page; errors: string[]; outside: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => !r.url().startsWith(site.url) && !r.url().startsWith('data:') && outside.push(r.url()));
  await page.goto(`${site.url}${path}`, { waitUntil: 'networkidle' });
  // Vega draws after the page's data has loaded: wait for every chart's marks.
  await page.waitForFunction(`${CHART_MARKS}.every((chart) => chart.marks > 0)`, undefined, { timeout: 15_000 });
  return { page, errors, outside };
}

const shotName = (path: string, width: number) => `${path === '/' ? 'index' : path.slice(1)}-${width}.png`;

describe('every page in headless Chromium, on a desktop and a phone', () => {
  for (const path of PAGES) {
    for (const width of WIDTHS) {
      it(`${path} at ${width} px: no console error, no request outside localhost, every chart drawn, nothing out of place`, async () => {
        const { page, errors, outside } = await open(path, width);
        try {
          await page.screenshot({ path: join(SCREENSHOTS, shotName(path, width)), fullPage: true });
          expect(errors).toEqual([]);
          expect(outside).toEqual([]);
          if (PAGES_WITH_CHARTS.includes(path)) expect(((await page.evaluate(CHART_MARKS)) as unknown[]).length).toBeGreaterThan(0);
          expect(await page.evaluate(LAYOUT_PROBE)).toEqual([]);
        } finally {
          await page.close();
        }
      });
    }
  }

  it('saves a screenshot of every page at both widths for a person to look at', async () => {
    const saved = await readdir(SCREENSHOTS);
    expect(saved).toEqual(expect.arrayContaining(PAGES.flatMap((p) => WIDTHS.map((w) => shotName(p, w)))));
  });
});

/** Selects the first service line of the page's filter; returns its name once the page shows it. */
async function chooseFirstLine(page: Page): Promise<string> {
  const select = page.locator('form select').first();
  const line = (await select.locator('option').nth(1).textContent())!.trim();
  await select.selectOption({ index: 1 });
  await expect.poll(async () => ((await page.evaluate(SCOPE_TITLES)) as string[]).some((t) => t.includes(line))).toBe(true);
  return line;
}

/** Every chart title and table heading names the line, or says it covers them all. */
async function titlesNotNaming(page: Page, line: string): Promise<string[]> {
  return ((await page.evaluate(SCOPE_TITLES)) as string[]).filter((t) => !t.includes(line) && !/all service lines|every service line/.test(t));
}

describe('the first page', () => {
  let page: Page;
  beforeAll(async () => {
    ({ page } = await open('/', 1280));
  });
  afterAll(() => page?.close());

  it('names this week: the last complete Monday–Sunday week before as_of', async () => {
    // as_of is Monday 2026-11-23 00:00: the week that had just ended ran from Monday 16 to Sunday 22 November.
    expect(await page.locator('.banner').textContent()).toContain('This week: Mon 16 Nov 2026 to Sun 22 Nov 2026');
  });

  it('shows a later stage for a week old enough, and says which', async () => {
    const seen = page.locator('.kpi', { hasText: 'Seen within 14 days' });
    // 2026-11-23 minus 14 days is 2026-11-09: the latest week ended by then began on Monday 2 November.
    expect(await seen.textContent()).toContain('for the week of 2 Nov 2026');
    expect(await page.locator('.kpi', { hasText: 'Referrals received' }).textContent()).not.toContain('for the week of');
  });

  it('filters in the browser: choosing a service line changes the numbers, and every chart and table names the line or says it shows them all', async () => {
    const before = await page.locator('.kpi .big').first().textContent();
    const line = await chooseFirstLine(page);
    await expect.poll(() => page.locator('.kpi .big').first().textContent()).not.toBe(before);
    expect(await titlesNotNaming(page, line)).toEqual([]);
  });
});

describe('the intake page', () => {
  it('names the service line chosen in every chart and table, or says it shows them all', async () => {
    const { page } = await open('/intake', 1280);
    try {
      const line = await chooseFirstLine(page);
      expect(await titlesNotNaming(page, line)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the capacity page', () => {
  it('draws the slots, and shows the chosen service line only, short weeks included', async () => {
    const dataDir = join(dir, 'dist', '_file', 'data');
    const capacity = JSON.parse(await readFile(join(dataDir, (await readdir(dataDir)).find((f) => f.startsWith('capacity.'))!), 'utf8'));
    const forecast: { service_line: string; week: string; slots: number | null; is_short: boolean; is_at_risk: boolean }[] = capacity.forecast;
    const { page } = await open('/capacity', 1280);
    try {
      const select = page.locator('form select').first();
      const names = new Map((capacity.serviceLines as { service_line: string; name: string }[]).map((d) => [d.service_line, d.name]));
      for (const id of [...new Set(forecast.map((d) => d.service_line))]) {
        // The menu and the titles name the line as the config does.
        const line = names.get(id)!;
        await select.selectOption({ label: line });
        const weeks = forecast.filter((d) => d.service_line === id);
        const slots = page.locator('.refloop-chart', { hasText: 'against the slots' }).locator('g.mark-rect.role-mark path');
        await expect.poll(() => slots.count()).toBe(weeks.filter((d) => d.slots !== null).length);
        await expect.poll(() => page.locator('h3', { hasText: 'Weeks that will run short' }).textContent()).toContain(line);
        const short = weeks.filter((d) => d.is_short || d.is_at_risk).map((d) => d.week);
        const listed = short.length ? await page.locator('h3:has-text("Weeks that will run short") + div table tbody tr td:first-child').allTextContents() : [];
        expect(listed).toEqual(short);
        expect(await titlesNotNaming(page, line)).toEqual([]);
      }
    } finally {
      await page.close();
    }
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
  it('builds the site with no network at all, as a practice without internet access would', (context) => {
    // The shared site was built by `run --publish` in a network namespace with loopback only; had the build
    // reached for the network (Framework looks up npm versions), it would have failed before any test ran.
    context.skip(builtOffline !== true, `the site was built with the network on: ${builtOffline}`);
    expect(builtOffline).toBe(true);
  });

  it('keeps the previous site when a loader fails', async () => {
    const copy = await copyOfDemoSite();
    try {
      const before = await readFile(join(copy.dist, 'index.html'), 'utf8');
      await writeFile(join(copy.dir, 'data', 'published', 'source_quality.parquet'), 'not parquet');
      const result = refloop(['publish'], { cwd: copy.dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/data loader|site build/);
      expect(await readFile(join(copy.dist, 'index.html'), 'utf8')).toBe(before);
    } finally {
      await rm(copy.dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the layout probe', () => {
  /** A page shaped like the site's (main column, footer, a vega-style chart), with a bar `barEnd` px long on an axis 100 px long. */
  const shaped = (o: { barEnd: number; below?: string }) => `<!doctype html><body style="margin:0">
    <main id="observablehq-main" style="width:300px">
      <div class="card" style="width:200px"><div class="refloop-chart"><div class="refloop-chart-title">Share missing</div>
        <svg width="150" height="60">
          <g class="mark-group role-axis" aria-label="X-axis for a linear scale"><g class="mark-rule role-axis-domain"><line x1="10" y1="50" x2="110" y2="50" stroke="#888"></line></g></g>
          <g class="mark-group role-axis" aria-label="Y-axis for a discrete scale"><g class="mark-rule role-axis-domain"><line x1="10" y1="0" x2="10" y2="50" stroke="#888"></line></g></g>
          <g class="mark-rect role-mark"><path d="M10,10h${o.barEnd}v20h-${o.barEnd}Z"></path></g>
        </svg></div></div>
      ${o.below ?? ''}
    </main>
    <footer id="observablehq-footer" style="position:absolute; top:400px; width:300px; height:50px">footer</footer></body>`;

  async function probe(html: string, width = 300): Promise<string[]> {
    const page = await browser.newPage({ viewport: { width, height: 600 } });
    try {
      await page.setContent(html);
      return (await page.evaluate(LAYOUT_PROBE)) as string[];
    } finally {
      await page.close();
    }
  }

  it('passes a bar that ends at its axis and sees one that runs 2 px past it', async () => {
    expect(await probe(shaped({ barEnd: 100 }))).toEqual([]);
    expect(await probe(shaped({ barEnd: 102 }))).toEqual([expect.stringContaining('Share missing: a bar or band is drawn past its axis')]);
  });

  it('sees a chart wider than its card', async () => {
    expect(await probe(shaped({ barEnd: 100 }).replace('width="150"', 'width="230"'))).toEqual([expect.stringContaining('Share missing: 230px wide, past its card')]);
  });

  it('sees rows drawn over the footer, but not rows clipped by their own scroll box', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `<tr><td>row ${i}</td></tr>`).join('');
    expect(await probe(shaped({ barEnd: 100, below: `<div style="max-height:100px; overflow:auto"><table>${rows}</table></div>` }))).toEqual([]);
    expect(await probe(shaped({ barEnd: 100, below: `<div style="max-height:100px"><table>${rows}</table></div>` }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^<table> "row 0row 1.*" is drawn \d+px into the footer$/)]),
    );
  });

  it('sees a page that scrolls sideways', async () => {
    expect(await probe(shaped({ barEnd: 100, below: '<div style="width:420px">wide</div>' }))).toEqual([expect.stringMatching(/^the page scrolls sideways: 420px of content in a 300px window$/)]);
  });
});
