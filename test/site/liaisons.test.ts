// The Liaisons page in a real browser, on the shared demo site, against the
// marts it reads: the alert worklist is liaison_alerts, one group per liaison
// in the mart's order (unassigned last), new and changed first; the lift
// table is liaison_lift's rows; filtering by a liaison keeps only theirs; it
// lays out on a desktop and a phone without a console error; and neither
// the page nor its data holds anything of a patient.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseDemoSite, openPage, screenshotDir, type SiteBrowser } from '../helpers/browser.ts';
import { refloopRows } from '../helpers/cli.ts';
import { LAYOUT_PROBE } from './layout-probe.ts';

const SCREENSHOTS = screenshotDir('screenshots');
let dir: string;
let dist: string;
let site: SiteBrowser;

beforeAll(async () => {
  ({ dir, dist, site } = await browseDemoSite(SCREENSHOTS));
}, 600_000);

afterAll(() => site?.close());

const mart = <T>(query: string): T[] => refloopRows<T>(dir, query);

describe('the Liaisons page', () => {
  for (const width of [1280, 390]) {
    it(`lays out at ${width} px with no console error and nothing fetched from outside`, async () => {
      const { page, errors, outside } = await openPage(site, '/liaisons', { width });
      try {
        await page.waitForSelector('ul.alerts');
        await page.screenshot({ path: join(SCREENSHOTS, `liaisons-${width}.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(outside).toEqual([]);
        expect(await page.evaluate(LAYOUT_PROBE)).toEqual([]);
      } finally {
        await page.close();
      }
    }, 120_000);
  }

  it('lists liaison_alerts grouped by liaison in the mart’s order, new and changed first, with every rule the demo plants', async () => {
    const expected = mart<{ liaison: string; alert_status: string; rule: string; why: string }>('SELECT liaison, alert_status, rule, why FROM liaison_alerts ORDER BY liaison_order, alert_order');
    expect(new Set(expected.map((r) => r.rule))).toEqual(new Set(['dormant', 'declining', 'behind_goal']));
    const { page } = await openPage(site, '/liaisons');
    try {
      const groups = await page.$$eval('section.worklist-group', (nodes) => nodes.map((n) => n.getAttribute('data-liaison')));
      expect(groups).toEqual([...new Set(expected.map((r) => r.liaison))]);
      const rows = await page.$$eval('ul.alerts li.alert', (items) => items.map((li) => ({ status: li.getAttribute('data-status'), why: li.querySelector('.why')?.textContent ?? '' })));
      expect(rows).toEqual(expected.map((r) => ({ status: r.alert_status, why: r.why })));
      // Within each group, new and changed come before still open and resolved.
      for (const liaison of groups) {
        const order = expected.filter((r) => r.liaison === liaison).map((r) => ['new', 'changed', 'still open', 'resolved'].indexOf(r.alert_status));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('shows the lift table, a row per liaison_lift row, and filters every part to one liaison', async () => {
    const lift = mart<{ activity_type: string }>('SELECT activity_type FROM liaison_lift');
    const { page } = await openPage(site, '/liaisons');
    try {
      const liftTable = page.locator('table.refloop-table', { has: page.locator('th', { hasText: 'Touches counted' }) });
      expect(await liftTable.locator('tbody tr').count()).toBe(lift.length);
      const [first] = mart<{ liaison: string }>("SELECT liaison FROM liaison_alerts WHERE liaison <> 'unassigned' ORDER BY liaison_order LIMIT 1");
      await page.locator('form select').first().selectOption(first!.liaison);
      await expect.poll(() => page.$$eval('section.worklist-group', (nodes) => nodes.map((n) => n.getAttribute('data-liaison')))).toEqual([first!.liaison]);
      const ownLift = mart<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM liaison_lift WHERE liaison IN ('all', '${first!.liaison.replaceAll("'", "''")}')`)[0]!.n;
      expect(await liftTable.locator('tbody tr').count()).toBe(ownLift);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('holds no patient name, phone, birth date or MRN, and no referral id, in the page or its data', async () => {
    const inbox = join(dir, 'data', 'inbox');
    const files = (await readdir(inbox)).filter((f) => f.startsWith('referrals_'));
    const referrals: Record<string, string>[] = (await Promise.all(files.map((f) => readFile(join(inbox, f))))).flatMap((b) => parse(b, { columns: true, relax_column_count: true }) as Record<string, string>[]);
    const dataDir = join(dist, '_file', 'data');
    const data = await readFile(join(dataDir, (await readdir(dataDir)).find((f) => f.startsWith('liaisons.') && f.endsWith('.json'))!), 'utf8');
    const text = `${await readFile(join(dist, 'liaisons.html'), 'utf8')}\n${data}`;
    const sample = referrals.filter((_, i) => i % 20 === 0);
    expect(sample.length).toBeGreaterThan(50);
    for (const r of sample) {
      for (const value of [r.patient_id, r.patient_name, r.patient_phone, r.patient_birth_date, r.referral_id]) {
        if (value) expect(text.includes(value), `${value} is on the Liaisons page`).toBe(false);
      }
    }
    expect(text).not.toMatch(/MRN\d{8}/);
    expect(text).not.toMatch(/\bRF\d{8}\b/);
    expect(text).not.toMatch(/555-01\d\d/);
  });
});
