// This week in a real browser, on the shared demo site, against the marts it
// reads: "What changed" is kpi_signals' sentences for the week each number is
// shown for (none where nothing changed), a number the mart could not compute
// reads "not available" (never 0), each target is drawn and judged in words,
// each published reference is drawn labelled with its source and year, and a
// stale feed puts its sentence in a banner. Screenshots at 1280 and 390 px go
// to test-output/screenshots/ for a person to look at.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseDemoSite, openPage, screenshotDir, type SiteBrowser } from '../helpers/browser.ts';
import { refloopRows } from '../helpers/cli.ts';
import { LAYOUT_PROBE } from './layout-probe.ts';

const SCREENSHOTS = screenshotDir('screenshots');
let dir: string;
let site: SiteBrowser;

beforeAll(async () => {
  ({ dir, site } = await browseDemoSite(SCREENSHOTS));
}, 600_000);

afterAll(() => site?.close());

/** Rows of a query on the demo practice's warehouse (the marts the site was published from). */
const mart = <T>(query: string): T[] => refloopRows<T>(dir, query);

const open = (width: number, prepare?: (page: Page) => Promise<unknown>) => openPage(site, '/', { width, prepare, requireCharts: true });

const texts = (page: Page, selector: string) => page.$$eval(selector, (nodes) => nodes.map((n) => (n.textContent ?? '').trim()));

describe('This week against kpi_signals and reference_benchmarks', () => {
  it('says one sentence for each signal of the week, the mart\'s own, and no other', async () => {
    const expected = mart<{ signal_sentence: string }>('SELECT signal_sentence FROM kpi_signals WHERE is_latest_mature_week AND is_signal').map((r) => r.signal_sentence);
    const { page, errors } = await open(1280);
    try {
      const shown = await texts(page, 'ul.what-changed li');
      expect(shown.sort()).toEqual(expected.sort());
      if (expected.length === 0) expect(await texts(page, 'p.what-changed.none')).toHaveLength(1);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('writes "not available" where the mart has no value, and the value where it has one', async () => {
    // The first line the practice offers, as the menu names it; every one of its numbers has a value in the demo, so one is taken away.
    const [offered] = mart<{ service_line: string; name: string }>('SELECT service_line, name FROM service_lines WHERE is_offered ORDER BY name LIMIT 1');
    const rows = mart<{ metric: string; value: number | null }>(
      `SELECT metric, value FROM kpi_signals WHERE is_latest_mature_week AND service_line = '${offered!.service_line}'`,
    );
    expect(rows.every((r) => r.value !== null)).toBe(true);
    const { page } = await open(1280, (p) =>
      p.route('**/_file/data/this-week*.json', async (route) => {
        const response = await route.fetch();
        const data = await response.json();
        data.cards = data.cards.map((c: { service_line: string; metric: string }) => (c.service_line === offered!.service_line && c.metric === 'loop_closure_rate' ? { ...c, value: null } : c));
        await route.fulfill({ response, json: data });
      }),
    );
    try {
      await page.selectOption('form select', { label: offered!.name });
      await page.waitForFunction((name) => [...document.querySelectorAll('.refloop-chart-title')].some((t) => t.textContent?.includes(`, ${name}, week by week`)), offered!.name);
      const cards = await page.$$eval('.kpi[data-metric]', (nodes) => nodes.map((n) => ({ metric: n.getAttribute('data-metric'), big: n.querySelector('.big')?.textContent })));
      const byMetric = new Map(cards.map((c) => [c.metric, c.big]));
      expect(byMetric.get('loop_closure_rate')).toBe('not available');
      // Every other number is written as it is: 0 is 0, not "not available".
      for (const r of rows.filter((row) => row.metric !== 'loop_closure_rate' && byMetric.has(row.metric))) expect(byMetric.get(r.metric)).not.toBe('not available');
    } finally {
      await page.close();
    }
  }, 120_000);

  it('draws each target and judges it on its card in words', async () => {
    const targets = mart<{ metric: string; target: number; is_target_met: boolean | null }>(
      "SELECT metric, target, is_target_met FROM kpi_signals WHERE is_latest_mature_week AND service_line = 'all' AND target IS NOT NULL ORDER BY metric",
    );
    expect(targets.map((t) => t.metric)).toEqual(['contact_sla_met_rate', 'loop_closure_rate', 'median_days_to_appointment']);
    const { page } = await open(1280);
    try {
      for (const t of targets) {
        const verdict = await page.$eval(`.kpi[data-metric="${t.metric}"] .target`, (n) => n.textContent);
        expect(verdict).toMatch(t.is_target_met === null ? /cannot be judged/ : t.is_target_met ? /: met$/ : /: not met$/);
        const labels = await texts(page, `.xmr[data-metric="${t.metric}"] svg text`);
        expect(labels.some((l) => l.startsWith('Target '))).toBe(true);
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('draws every published reference for the practice, labelled with its source and year', async () => {
    const references = mart<{ metric: string; label: string; year: number }>(
      "SELECT metric, label, year FROM reference_benchmarks WHERE service_line = 'all' AND is_current ORDER BY metric, label",
    );
    expect(references.length).toBe(4);
    const { page } = await open(1280);
    try {
      for (const r of references) {
        expect(r.label).toContain(String(r.year));
        expect(await texts(page, `.xmr[data-metric="${r.metric}"] svg text`)).toContain(r.label);
        const listed = await texts(page, `.xmr[data-metric="${r.metric}"] li[data-reference]`);
        expect(listed.some((l) => l.startsWith(`${r.label} — `) && l.endsWith(`, ${r.year}.`))).toBe(true);
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('names a stale feed and since when in a banner, in the mart\'s sentence, and shows none while every feed is current', async () => {
    const stale = mart<{ feed: string }>('SELECT feed FROM feed_freshness WHERE is_stale');
    const plain = await open(1280);
    try {
      expect(await plain.page.$$('.stale-banner li')).toHaveLength(stale.length);
    } finally {
      await plain.page.close();
    }
    // The same page given a freshness row of a stale feed: it shows that row's sentence, naming the feed.
    const sentence = 'visits is stale: its newest record (visit_at) is from 2026-11-10 16:07, 296 hours before 2026-11-23 00:00 (late after 96 hours, stale after 168), since 2026-11-14 16:07.';
    const { page } = await open(1280, (p) =>
      p.route('**/_file/data/this-week*.json', async (route) => {
        const response = await route.fetch();
        const data = await response.json();
        data.freshness = data.freshness.map((f: { feed: string }) => (f.feed === 'visits' ? { ...f, state: 'error', is_stale: true, stale_since: '2026-11-14 16:07', stale_reason: sentence } : f));
        await route.fulfill({ response, json: data });
      }),
    );
    try {
      expect(await texts(page, '.stale-banner li[data-feed="visits"]')).toEqual([sentence]);
      expect(await texts(page, '.stale-banner strong')).toEqual(['Some data is stale:']);
    } finally {
      await page.close();
    }
  }, 120_000);
});

describe('This week looks right on a desktop and a phone', () => {
  for (const width of [1280, 390]) {
    it(`at ${width} px: no console error, nothing out of place, screenshot saved`, async () => {
      const { page, errors } = await open(width);
      try {
        await page.screenshot({ path: join(SCREENSHOTS, `this-week-${width}.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(await page.evaluate(LAYOUT_PROBE)).toEqual([]);
        // Every headline number has its chart, each inside its card.
        expect(await page.$$('.xmr .refloop-chart svg')).toHaveLength((await page.$$('.kpi[data-metric]')).length);
      } finally {
        await page.close();
      }
    }, 120_000);
  }
});
