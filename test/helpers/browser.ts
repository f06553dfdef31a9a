// Browser tests of the site: Debian's Chromium over the shared demo site,
// one launch per test file, and pages opened the same way by every file (the
// console's errors collected, every chart's marks drawn before a test looks).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { serveStatic } from '../../src/site/serve.ts';
import { CHART_MARKS } from '../site/layout-probe.ts';
import { demoSite } from './demo-site.ts';

/** No sandbox (root in a container), no GPU, and nothing fetched by the browser itself. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface SiteBrowser {
  browser: Browser;
  url: string;
  close(): Promise<void>;
}

/** Serves a built site (its dist/ folder) and launches Chromium for it. */
export async function browseSite(dist: string): Promise<SiteBrowser> {
  const site = await serveStatic(dist);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    browser,
    url: site.url,
    close: async () => {
      await browser.close();
      await site.close();
    },
  };
}

/** The shared demo site (demo-site.ts) served to Chromium, with the test file's screenshot folder made. */
export async function browseDemoSite(screenshots: string): Promise<{ dir: string; dist: string; site: SiteBrowser }> {
  const { dir, dist } = await demoSite();
  await mkdir(screenshots, { recursive: true });
  return { dir, dist, site: await browseSite(dist) };
}

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Requests for anything not served by the site itself (the site must be self-contained). */
  outside: string[];
}

export interface OpenOptions {
  width?: number;
  height?: number;
  /** Runs before the page is loaded (to plant a route, say). */
  prepare?: (page: Page) => Promise<unknown>;
  /** Wait for at least one chart as well as for every chart's marks (a page that must have charts). */
  requireCharts?: boolean;
  acceptDownloads?: boolean;
}

/** Opens a page of the site and waits until Vega has drawn every chart's marks (it draws after the page's data loads). */
export async function openPage(site: SiteBrowser, path: string, options: OpenOptions = {}): Promise<OpenedPage> {
  const page = await site.browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 }, acceptDownloads: options.acceptDownloads ?? false });
  const errors: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => !r.url().startsWith(site.url) && !r.url().startsWith('data:') && outside.push(r.url()));
  await options.prepare?.(page);
  await page.goto(`${site.url}${path}`, { waitUntil: 'networkidle' });
  const drawn = `${CHART_MARKS}.every((chart) => chart.marks > 0)`;
  await page.waitForFunction(options.requireCharts ? `${CHART_MARKS}.length > 0 && ${drawn}` : drawn, undefined, { timeout: 20_000 });
  return { page, errors, outside };
}

/** Where a test file's screenshots go (test-output/ is git-ignored). */
export const screenshotDir = (name: string) => join(import.meta.dirname, '../../test-output', name);
