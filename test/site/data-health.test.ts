// Data health in a real browser, on the shared demo site: the freshness
// table is feed_freshness' rows (each feed's state, by its latest file and by
// its newest record), a stale feed's sentence says which feed and since when,
// and the page looks right on a desktop and a phone (screenshots in
// test-output/screenshots/).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseDemoSite, openPage, screenshotDir, type SiteBrowser } from '../helpers/browser.ts';
import { refloop } from '../helpers/cli.ts';
import { LAYOUT_PROBE } from './layout-probe.ts';

const SCREENSHOTS = screenshotDir('screenshots');
let dir: string;
let site: SiteBrowser;

beforeAll(async () => {
  ({ dir, site } = await browseDemoSite(SCREENSHOTS));
}, 600_000);

afterAll(() => site?.close());

async function open(width: number, prepare?: (page: Page) => Promise<unknown>) {
  const opened = await openPage(site, '/data-health', { width, prepare });
  await opened.page.waitForSelector('h3');
  return opened;
}

const STATE_WORDS: Record<string, string> = { ok: 'ok', warn: 'late', error: 'stale', 'not used': 'not used' };

describe('Data health against feed_freshness', () => {
  it('lists every feed with the state the mart gives it, by arrival and by its newest record', async () => {
    const result = refloop(['sql', '--format', 'json', "SELECT feed, state, record_time, is_stale FROM feed_freshness ORDER BY is_stale DESC, feed"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout) as { feed: string; state: string; record_time: string | null; is_stale: boolean }[];
    expect(rows.map((r) => r.feed).sort()).toEqual(['appointments', 'capacity', 'liaison_activities', 'providers', 'referral_events', 'referrals', 'visits']);
    const { page, errors } = await open(1280);
    try {
      // The first table on the page is the freshness table.
      const shown = await page.$$eval('.refloop-table', (tables) =>
        [...tables[0]!.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
      );
      expect(shown.map((cells) => [cells[0], cells[1], cells[4]])).toEqual(
        rows.map((r) => [r.feed.replaceAll('_', ' '), STATE_WORDS[r.state], r.record_time ?? 'arrival only']),
      );
      expect(await page.$$('.stale-banner li')).toHaveLength(rows.filter((r) => r.is_stale).length);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('puts a stale feed\'s sentence, which feed and since when, above the table', async () => {
    const sentence = 'referrals is stale: its newest record (received_at) is from 2026-11-12 09:00, 255 hours before 2026-11-23 00:00 (late after 96 hours, stale after 168), since 2026-11-16 09:00.';
    const { page } = await open(390, (p) =>
      p.route('**/_file/data/health*.json', async (route) => {
        const response = await route.fetch();
        const data = await response.json();
        data.freshness = data.freshness.map((f: { feed: string }) => (f.feed === 'referrals' ? { ...f, state: 'error', is_stale: true, stale_since: '2026-11-16 09:00', stale_reason: sentence } : f));
        await route.fulfill({ response, json: data });
      }),
    );
    try {
      expect(await page.$$eval('.stale-banner li', (n) => n.map((li) => li.textContent))).toEqual([sentence]);
      expect(await page.$$('.fresh-all')).toHaveLength(0);
    } finally {
      await page.close();
    }
  }, 120_000);
});

describe('Data health looks right on a desktop and a phone', () => {
  for (const width of [1280, 390]) {
    it(`at ${width} px: no console error, nothing out of place, screenshot saved`, async () => {
      const { page, errors } = await open(width);
      try {
        await page.screenshot({ path: join(SCREENSHOTS, `data-health-freshness-${width}.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(await page.evaluate(LAYOUT_PROBE)).toEqual([]);
      } finally {
        await page.close();
      }
    }, 120_000);
  }
});
