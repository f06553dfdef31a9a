// `refloop digest [--week YYYY-MM-DD]`: the weekly review's one- or two-page
// PDF, and the same as HTML, from the published numbers.
import { dirname, join, resolve } from 'node:path';
import { writeDigest, type WrittenDigest } from '../../digest/write.ts';
import { parseWeek } from '../../digest/week.ts';
import { log, result } from '../../log.ts';
import { TARGET_METRICS } from '../../models/config-tables.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, type Context, createContext } from '../context.ts';

/** Where digests go by default: digests/ beside the warehouse (data/digests/<week>/). */
export const digestDirFor = (context: Context) => join(dirname(context.dbPath), 'digests');

/** Writes the digest of `week` (default: the last complete week before as_of) for a practice. */
export function digestFor(context: Context, options: { week?: string | undefined; asOf?: string | undefined; out?: string | undefined }): Promise<WrittenDigest> {
  const sla = context.config.targets?.contact_sla_met_rate;
  return writeDigest({
    publishedDir: join(dirname(context.dbPath), 'published'),
    outDir: options.out ? resolve(options.out) : digestDirFor(context),
    week: options.week,
    asOf: options.asOf,
    slaTarget: sla === undefined ? null : { target: sla, better: TARGET_METRICS.contact_sla_met_rate.better },
    onProgress: (message) => log('digest.progress', message),
  });
}

export const digestCommand: Command = {
  summary: 'write the weekly digest (PDF and HTML) from the published numbers (--week YYYY-MM-DD, --out DIR; default data/digests/<week>/)',
  options: { ...COMMON_OPTIONS, week: { type: 'string' }, out: { type: 'string' } },
  async run(options) {
    const context = await createContext(options as CommonOptions);
    const week = typeof options.week === 'string' ? parseWeek(options.week) : undefined;
    const written = await digestFor(context, { week, asOf: options['as-of'] as string | undefined, out: options.out as string | undefined });
    result('digest.written', `digest: week of ${written.week}: ${written.pdf} (${written.pages} page${written.pages === 1 ? '' : 's'}) and ${written.html}`, {
      week: written.week,
      pages: written.pages,
    });
    return 0;
  },
};
