// Writes the weekly digest of one week: digest.html and digest.pdf in
// <out>/<week>/ (default: digests/ beside the warehouse, e.g.
// data/digests/2026-11-16/). It reads the published snapshot set, as the
// site's loaders do, so it never waits for a job writing the warehouse, and
// shows the same numbers as the site published with them.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderPdf } from '../render/pdf.ts';
import { openSnapshots, type Query } from '../site/loader.ts';
import { quotedString } from '../warehouse/sql.ts';
import { digestHtml } from './html.ts';
import { readDigest, weeksCovered } from './read.ts';
import { addDays, lastCompleteWeek } from './week.ts';

export interface DigestOptions {
  /** The published snapshot folder (data/published). */
  publishedDir: string;
  /** The folder that holds one folder per week (data/digests). */
  outDir: string;
  /** A Monday; default the last complete week before asOf. */
  week?: string | undefined;
  /** A date or timestamp (local unless it has a zone); default the moment the published numbers are for. */
  asOf?: string | undefined;
  /** The config's SLA target, used when the published numbers carry none. */
  slaTarget?: { target: number; better: 'higher' | 'lower' } | null;
  onProgress?: (message: string) => void;
}

export interface WrittenDigest {
  week: string;
  html: string;
  pdf: string;
  pages: number;
}

export async function writeDigest(options: DigestOptions): Promise<WrittenDigest> {
  const progress = options.onProgress ?? (() => undefined);
  progress(`digest: reading the published numbers in ${options.publishedDir}`);
  const snapshots = await openSnapshots(options.publishedDir);
  const { query } = snapshots;
  try {
    const week = options.week ?? lastCompleteWeek(await asOfDate(query, options.asOf));
    const covered = await weeksCovered(query);
    if (!covered || week < covered.first || week > covered.last) {
      const [params] = await query<{ as_of: string }>("SELECT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of FROM config_params");
      throw new Error(
        covered
          ? `the published numbers (as of ${params?.as_of}) cover the weeks of ${covered.first} to ${covered.last}; week ${week} is not among them (run \`refloop run --publish\` for a later week, or pick another --week)`
          : 'the published numbers hold no complete week: run `refloop run --publish` first',
      );
    }
    progress(`digest: week of ${week} to ${addDays(week, 6)}`);
    const data = await readDigest(query, week, options.slaTarget ?? null);
    const folder = join(options.outDir, week);
    await mkdir(folder, { recursive: true });
    const html = digestHtml(data);
    const htmlPath = join(folder, 'digest.html');
    // Written beside, then renamed: a reader never sees half a digest.
    await writeFile(`${htmlPath}.tmp`, html);
    await rename(`${htmlPath}.tmp`, htmlPath);
    progress(`digest: ${htmlPath} written; rendering the PDF`);
    const pdfPath = join(folder, 'digest.pdf');
    const rendered = await renderPdf(html, `${pdfPath}.tmp`, { footer: `refloop weekly digest · week of ${week} · aggregates only`, onProgress: progress });
    await rename(`${pdfPath}.tmp`, pdfPath);
    return { week, html: htmlPath, pdf: pdfPath, pages: rendered.pages };
  } finally {
    snapshots.close();
  }
}

/** The local date of --as-of, or of the moment the published numbers are for. */
async function asOfDate(query: Query, asOf: string | undefined): Promise<string> {
  const sql = asOf === undefined ? "SELECT strftime(as_of, '%Y-%m-%d') AS d FROM config_params" : `SELECT strftime(CAST(${quotedString(asOf)} AS TIMESTAMPTZ), '%Y-%m-%d') AS d`;
  const [row] = await query<{ d: string | null }>(sql).catch(() => {
    throw new Error(`--as-of must be a date or timestamp (YYYY-MM-DD or YYYY-MM-DD HH:MM), not ${asOf}`);
  });
  if (!row?.d) throw new Error('the published numbers have no as_of: run `refloop run --publish` first');
  return row.d;
}
