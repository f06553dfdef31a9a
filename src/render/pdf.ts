// HTML to PDF with the headless Chromium the site tests use (playwright-core
// driving Debian's /usr/bin/chromium; REFLOOP_CHROMIUM names another). One
// small module for every printed document: the weekly digest, and later the
// referrer statements.
//
// The page is rendered offline: every request other than the document
// itself and data: URLs is refused, so a document can never fetch (or leak
// to) anything outside, and what it shows is exactly the HTML it was given.
import { writeFile } from 'node:fs/promises';

export const CHROMIUM = () => process.env.REFLOOP_CHROMIUM ?? '/usr/bin/chromium';

export interface PdfOptions {
  /** Paper (default Letter). */
  format?: 'Letter' | 'A4';
  landscape?: boolean;
  /** Page margins, CSS lengths (default 0.5in all round). */
  margin?: { top?: string; right?: string; bottom?: string; left?: string };
  /** A line printed in the bottom margin of every page, before "page n of m". */
  footer?: string;
  /** Called with a line for a person at each step (launching, rendering, writing). */
  onProgress?: (message: string) => void;
}

export interface RenderedPdf {
  path: string;
  pages: number;
  bytes: number;
}

/** Pages of a PDF: its page objects (Chromium writes them uncompressed). */
export function pdfPageCount(pdf: Uint8Array): number {
  const text = Buffer.from(pdf).toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface PdfRenderer {
  render(html: string, path: string, options?: Omit<PdfOptions, 'onProgress'>): Promise<RenderedPdf>;
  close(): Promise<void>;
}

/** Starts Chromium once for many documents (a statement per office): each render is a page of its own. */
export async function openPdfRenderer(onProgress: (message: string) => void = () => undefined): Promise<PdfRenderer> {
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('rendering a PDF needs playwright-core: run `npm ci` in the refloop folder');
  }
  onProgress(`pdf: starting Chromium (${CHROMIUM()})`);
  const browser = await chromium
    .launch({
      executablePath: CHROMIUM(),
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    .catch((error: unknown) => {
      throw new Error(`could not start Chromium at ${CHROMIUM()} (install it with \`npm run chromium\`, or set REFLOOP_CHROMIUM): ${String((error as Error).message ?? error).split('\n')[0]}`);
    });
  return {
    async render(html, path, options = {}) {
      const page = await browser.newPage();
      try {
        await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
        await page.setContent(html, { waitUntil: 'load' });
        await page.emulateMedia({ media: 'print' });
        const margin = { top: '0.5in', right: '0.5in', bottom: '0.6in', left: '0.5in', ...options.margin };
        const pdf = await page.pdf({
          format: options.format ?? 'Letter',
          landscape: options.landscape ?? false,
          printBackground: true,
          margin,
          displayHeaderFooter: true,
          headerTemplate: '<span></span>',
          footerTemplate: `<div style="font: 8px system-ui, sans-serif; color: #666; width: 100%; padding: 0 0.5in; display: flex; justify-content: space-between;"><span>${escapeHtml(options.footer ?? '')}</span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`,
        });
        await writeFile(path, pdf);
        return { path, pages: pdfPageCount(pdf), bytes: pdf.byteLength };
      } finally {
        await page.close();
      }
    },
    close: () => browser.close(),
  };
}

/** Renders a self-contained HTML document to a PDF file. */
export async function renderPdf(html: string, path: string, options: PdfOptions = {}): Promise<RenderedPdf> {
  const progress = options.onProgress ?? (() => undefined);
  const renderer = await openPdfRenderer(progress);
  try {
    progress('pdf: laying out the pages');
    const rendered = await renderer.render(html, path, options);
    progress(`pdf: wrote ${path}`);
    return rendered;
  } finally {
    await renderer.close();
  }
}
