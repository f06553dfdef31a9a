// The Sources, Intake, Outreach, Capacity and Definitions pages of the shared
// demo site in headless Chromium: clinicians and offices by name with the NPI
// on hover, the roll-up by office and organization, the outreach worklist
// grouped by liaison, and a CSV download beside each chart that holds the
// chart's data. Screenshots at 1280 and 390 px go to test-output/pages/.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseDemoSite, openPage, screenshotDir, type SiteBrowser } from '../helpers/browser.ts';
import { CHART_MARKS, LAYOUT_PROBE } from './layout-probe.ts';

const SHOTS = screenshotDir('pages');
let dist: string;
let site: SiteBrowser;

beforeAll(async () => {
  ({ dist, site } = await browseDemoSite(SHOTS));
}, 600_000);

afterAll(() => site?.close());

/** A page's data file as published in dist/. */
async function data(name: string): Promise<Record<string, Record<string, unknown>[]>> {
  const dir = join(dist, '_file', 'data');
  const file = (await readdir(dir)).find((f) => f.startsWith(`${name}.`) && f.endsWith('.json'))!;
  return JSON.parse(await readFile(join(dir, file), 'utf8'));
}

const open = async (path: string, width = 1280): Promise<Page> => (await openPage(site, path, { width, acceptDownloads: true })).page;

/** Clicks the download button of a file and parses the CSV it saves. */
async function downloaded(page: Page, name: string): Promise<Record<string, string>[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`button[data-download="${name}"]`).click()]);
  expect(download.suggestedFilename()).toBe(name);
  return parse(await readFile((await download.path())!), { columns: true, bom: true }) as Record<string, string>[];
}

/** A row of a data file as its CSV holds it: every value as text, null as empty. */
const asCsv = (row: Record<string, unknown>, columns: string[]) => Object.fromEntries(columns.map((c) => [c, row[c] === null || row[c] === undefined ? '' : String(row[c])]));

/** Table cells whose whole text is a bare NPI (ten digits). */
const BARE_NPIS = String.raw`[...document.querySelectorAll('#observablehq-main td')].map((td) => td.textContent.trim()).filter((t) => /^\d{10}$/.test(t))`;

describe('names, not bare NPIs', () => {
  it('Sources names every clinician, office and organization, with the NPI (or the clinicians and their NPIs) on hover', async () => {
    const page = await open('/sources');
    try {
      expect(await page.evaluate(BARE_NPIS)).toEqual([]);
      const clinicians = page.locator('h3:has-text("Referring clinicians") + * table tbody tr td:nth-child(2) .refloop-name');
      expect(await clinicians.count()).toBeGreaterThan(5);
      for (const title of await clinicians.evaluateAll((spans) => spans.map((s) => s.getAttribute('title')))) {
        expect(title).toMatch(/^NPI \d{10}$|^no NPI on record|^referrals without a valid NPI$/);
      }
      const offices = page.locator('h3:has-text("Referrals by office") + * table tbody tr td:nth-child(2) .refloop-name');
      expect(await offices.count()).toBeGreaterThan(5);
      expect(await offices.first().getAttribute('title')).toMatch(/^[^,(]+ \(\d{10}\)/);
    } finally {
      await page.close();
    }
  });

  it('Intake lists the offices with incomplete packets by name, their clinicians and NPIs on hover', async () => {
    const page = await open('/intake');
    try {
      expect(await page.evaluate(BARE_NPIS)).toEqual([]);
      const names = page.locator('h3:has-text("Offices whose packets") + * table tbody tr td:first-child .refloop-name');
      const { offices } = await data('intake');
      expect(await names.count()).toBe(offices!.length);
      expect(await names.allTextContents()).toEqual(offices!.map((o) => o.name));
      expect(await names.first().getAttribute('title')).toMatch(/^\d+ clinicians?: .+ \(\d{10}\)/);
    } finally {
      await page.close();
    }
  });

  it('Outreach names every clinician with the NPI on hover', async () => {
    const page = await open('/outreach');
    try {
      expect(await page.evaluate(BARE_NPIS)).toEqual([]);
      const titles = await page.locator('.worklist .refloop-name').evaluateAll((spans) => spans.map((s) => s.getAttribute('title')));
      expect(titles.length).toBeGreaterThan(0);
      for (const title of titles) expect(title).toMatch(/^NPI \d{10}$|^no NPI on record$/);
    } finally {
      await page.close();
    }
  });
});

describe('the roll-up of sources', () => {
  it('shows each office, and each organization when chosen, adding up to the clinicians', async () => {
    const { rollup, scorecard } = await data('sources');
    const known = scorecard!.filter((c) => c.source !== 'unknown');
    const sum = (rows: Record<string, unknown>[]) => rows.reduce((s, r) => s + Number(r.referrals), 0);
    const offices = rollup!.filter((r) => r.level === 'office');
    const organizations = rollup!.filter((r) => r.level === 'organization');
    expect(sum(offices)).toBe(sum(known));
    expect(sum(organizations)).toBe(sum(known));
    const page = await open('/sources');
    try {
      const rows = page.locator('h3:has-text("Referrals by office") + * table tbody tr');
      // Inputs.table draws the first rows and more on scroll.
      expect(await rows.count()).toBe(Math.min(offices.length, 24));
      const top = [...offices].sort((a, b) => Number(b.referrals) - Number(a.referrals))[0]!;
      expect((await rows.first().locator('td').nth(1).textContent())!.trim()).toBe(top.name);
      await page.getByLabel('Organization').check();
      await expect.poll(() => page.locator('h3', { hasText: 'Referrals by organization' }).count()).toBe(1);
      expect(await page.locator('h3:has-text("Referrals by organization") + * table tbody tr').count()).toBe(organizations.length);
    } finally {
      await page.close();
    }
  });
});

describe('the outreach worklist', () => {
  it('is grouped by liaison in the mart’s order, unassigned last, five shown each and the rest behind “show all”', async () => {
    const { worklist } = await data('outreach');
    const groups = [...new Map(worklist!.map((a) => [a.liaison as string, a])).values()].sort((a, b) => Number(a.liaison_order) - Number(b.liaison_order));
    const page = await open('/outreach');
    try {
      expect(await page.locator('section.worklist-group').evaluateAll((s) => s.map((e) => e.getAttribute('data-liaison')))).toEqual(groups.map((g) => g.liaison));
      for (const g of groups) {
        const section = page.locator(`section.worklist-group[data-liaison="${g.liaison}"]`);
        const shown = section.locator(':scope > div table tbody tr');
        expect(await shown.count()).toBe(Math.min(5, Number(g.actions_in_liaison_count)));
        const more = Number(g.more_in_liaison_count);
        const summary = section.locator('details.worklist-more > summary');
        expect(await summary.count()).toBe(more > 0 ? 1 : 0);
        if (more > 0) expect(await summary.textContent()).toBe(`Show all ${g.actions_in_liaison_count} (${more} more)`);
      }
      // The reason is on demand: hidden until "why" is opened.
      const first = worklist!.find((a) => a.liaison === groups[0]!.liaison && a.rank_in_liaison === 1)!;
      const why = page.locator('section.worklist-group').first().locator('tbody tr').first().locator('details');
      expect(await why.locator('p').isVisible()).toBe(false);
      await why.locator('summary').click();
      expect(await why.locator('p').textContent()).toBe(first.reason);
      // Opened whole, on a phone, the list still fits the page.
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        for (const d of await page.locator('details').all()) await d.evaluate((e) => e.setAttribute('open', ''));
        expect(await page.evaluate(LAYOUT_PROBE)).toEqual([]);
      }
    } finally {
      await page.close();
    }
  });
});

describe('CSV downloads', () => {
  it('Sources: the weekly chart’s download holds the chart’s data', async () => {
    const { weekly } = await data('sources');
    const page = await open('/sources');
    try {
      const rows = await downloaded(page, 'sources-weekly-referrals-largest-8.csv');
      expect(rows).toEqual(weekly!.map((r) => asCsv(r, ['week', 'name', 'referrals'])));
    } finally {
      await page.close();
    }
  });

  it('Capacity: the visits-against-slots download is the chosen line’s forecast', async () => {
    const { forecast, serviceLines } = await data('capacity');
    const columns = ['service_line', 'week', 'expected_new_patients', 'expected_new_patients_hi80', 'slots', 'shortfall', 'is_short', 'is_at_risk'];
    const page = await open('/capacity');
    try {
      const select = page.locator('form select').first();
      // The menu names a line as the config does; the file is named by its id.
      const label = (await select.locator('option').nth(1).textContent())!.trim();
      const line = serviceLines!.find((l) => l.name === label)!.service_line as string;
      await select.selectOption({ label });
      const name = `capacity-visits-against-slots-${line.replace(/_/g, '-')}.csv`;
      await expect.poll(() => page.locator(`button[data-download="${name}"]`).count()).toBe(1);
      expect(await downloaded(page, name)).toEqual(forecast!.filter((f) => f.service_line === line).map((r) => asCsv(r, columns)));
    } finally {
      await page.close();
    }
  });

  it('Outreach: the worklist download is the whole worklist, every liaison’s rows', async () => {
    const { worklist } = await data('outreach');
    const page = await open('/outreach');
    try {
      const rows = await downloaded(page, 'outreach-worklist.csv');
      expect(rows.map((r) => [r.liaison, r.priority_rank, r.clinician, r.category])).toEqual(worklist!.map((r) => [r.liaison, String(r.priority_rank), r.clinician ?? '', r.category]));
    } finally {
      await page.close();
    }
  });

  it('every chart of the pages offers one, and a phone screenshot of each page is saved', async () => {
    for (const path of ['/sources', '/intake', '/outreach', '/capacity', '/definitions']) {
      for (const width of [1280, 390]) {
        const page = await open(path, width);
        try {
          const charts = ((await page.evaluate(CHART_MARKS)) as unknown[]).length;
          const buttons = await page.locator('button.refloop-download').count();
          expect(buttons, path).toBeGreaterThanOrEqual(Math.max(1, charts));
          await page.screenshot({ path: join(SHOTS, `${path.slice(1)}-${width}.png`), fullPage: true });
        } finally {
          await page.close();
        }
      }
    }
  }, 120_000);
});
