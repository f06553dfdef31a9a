// `refloop statements --period 2026-Q4` (or --from/--to; --office NAME,
// --referrer NPI): a one-page statement per referring office, PDF and HTML,
// with a manifest for the mail merge.
import { dirname, join, resolve } from 'node:path';
import { log, result } from '../../log.ts';
import { parsePeriod } from '../../statements/period.ts';
import { writeStatements } from '../../statements/write.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext } from '../context.ts';

export const statementsCommand: Command = {
  summary: 'write a one-page statement per referring office for a period (--period 2026-Q4|2026-11|2026, or --from/--to; --office NAME, --referrer NPI, --out DIR; default data/statements/<period>/)',
  options: { ...COMMON_OPTIONS, period: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, office: { type: 'string' }, referrer: { type: 'string' }, out: { type: 'string' } },
  async run(options) {
    const period = parsePeriod({ period: options.period as string | undefined, from: options.from as string | undefined, to: options.to as string | undefined });
    const referrer = options.referrer as string | undefined;
    if (referrer !== undefined && !/^\d{10}$/.test(referrer)) throw new Error(`--referrer must be a clinician's 10-digit NPI, not ${referrer}`);
    const context = await createContext(options as CommonOptions);
    const written = await writeStatements({
      publishedDir: join(dirname(context.dbPath), 'published'),
      outDir: options.out ? resolve(options.out as string) : join(dirname(context.dbPath), 'statements'),
      period,
      filter: { office: options.office as string | undefined, referrer },
      config: context.config,
      onProgress: (message) => log('statements.progress', message),
    });
    result('statements.written', `statements: ${written.statements} for ${written.period.title} in ${written.folder} (manifest ${written.manifest})`, { statements: written.statements, period: period.label });
    return 0;
  },
};
