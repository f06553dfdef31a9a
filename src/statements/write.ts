// Writes the referrer statements of one period: for every referring office
// with referrals in it (or the one office or clinician asked for), a
// one-page PDF and the same as HTML, into <out>/<period>/, and manifest.csv
// beside them for a mail merge (office, organization, liaison, files,
// counts). It reads the published snapshot set, as the digest does, so it
// never waits for a job writing the warehouse. Statements are never written
// into dist/: they go to the offices, not to the practice's browsers.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RefloopConfig } from '../config/schema.ts';
import { openPdfRenderer } from '../render/pdf.ts';
import { openSnapshots } from '../site/loader.ts';
import { type Period, soFar } from './period.ts';
import { statementHtml } from './html.ts';
import { readStatements, type Statement, type StatementFilter } from './read.ts';

export interface StatementOptions {
  publishedDir: string;
  /** The folder that holds one folder per period (data/statements). */
  outDir: string;
  period: Period;
  filter: StatementFilter;
  config: RefloopConfig;
  onProgress?: (message: string) => void;
}

export interface WrittenStatements {
  /** The period as written: cut to its days so far when it was not over. */
  period: Period;
  folder: string;
  manifest: string;
  statements: number;
}

/** A file name for an office: lower-case words joined by hyphens, the organization after two. */
export function fileStem(s: Pick<Statement, 'office' | 'organization' | 'clinician'>): string {
  const slug = (text: string) => text.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().toLowerCase().replace(/[\s_-]+/g, '-') || 'office';
  return [slug(s.office), s.organization ? slug(s.organization) : '', s.clinician ? s.clinician.npi : ''].filter(Boolean).join('--');
}

const csvField = (value: string | number) => (/[",\n]/.test(String(value)) ? `"${String(value).replaceAll('"', '""')}"` : String(value));

export async function writeStatements(options: StatementOptions): Promise<WrittenStatements> {
  const progress = options.onProgress ?? (() => undefined);
  progress(`statements: reading the published numbers in ${options.publishedDir}`);
  const snapshots = await openSnapshots(options.publishedDir);
  try {
    const [params] = await snapshots.query<{ as_of: string; as_of_date: string }>("SELECT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, strftime(as_of, '%Y-%m-%d') AS as_of_date FROM config_params");
    if (!params) throw new Error('the published numbers have no config_params: run `refloop run --publish` first');
    const period = soFar(options.period, params.as_of_date);
    const statements = await readStatements(snapshots.query, period, options.filter);
    const asked = options.filter.office ? ` for the office ${options.filter.office}` : options.filter.referrer ? ` for the clinician ${options.filter.referrer}` : '';
    if (statements.length === 0) throw new Error(`no referrals from a known office in ${period.title}${asked}: no statement to write`);
    // Written in a folder beside, then renamed into place: a mail merge never reads half a period.
    const folder = join(options.outDir, options.period.label);
    const staging = `${folder}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const renderer = await openPdfRenderer(progress);
    const rows: (string | number)[][] = [['office', 'organization', 'liaison', 'pdf', 'html', 'referrals', 'previous_referrals', 'last_year_referrals', 'open_referrals']];
    try {
      const context = {
        period,
        asOf: params.as_of,
        lines: options.config.service_lines,
        daysTarget: options.config.targets.days_to_first_appointment ?? null,
        intake: options.config.intake,
      };
      for (const [i, statement] of statements.entries()) {
        const stem = fileStem(statement);
        progress(`statements: [${i + 1}/${statements.length}] ${statement.office}`);
        const html = statementHtml(statement, context);
        await writeFile(join(staging, `${stem}.html`), html);
        await renderer.render(html, join(staging, `${stem}.pdf`), { footer: `referral statement · ${period.title} · aggregates of your referrals only` });
        rows.push([statement.office, statement.organization ?? '', statement.liaisons.join(', '), `${stem}.pdf`, `${stem}.html`, statement.referrals, statement.previous_referrals, statement.last_year_referrals, statement.open.reduce((n, o) => n + o.referrals, 0)]);
      }
    } finally {
      await renderer.close();
    }
    await writeFile(join(staging, 'manifest.csv'), `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`);
    await rm(folder, { recursive: true, force: true });
    await rename(staging, folder);
    return { period, folder, manifest: join(folder, 'manifest.csv'), statements: statements.length };
  } finally {
    snapshots.close();
  }
}
