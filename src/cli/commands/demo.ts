// `refloop demo`: a realistic demo practice's extracts in the inbox, its
// config (unless one exists; --force replaces it) and a truth file. `--as`
// writes the same practice as an Epic EHI or a FHIR R4 delivery instead;
// `--clean` leaves the planted bad rows out of the canonical extracts.
// Without `--end` the demo ends yesterday in the practice's zone, so its last
// complete week is a real one; the same arguments write the same files.
import { loadConfig } from '../../config/load.ts';
import { demoOptions } from '../../demo/practice.ts';
import { DEMO_SHAPES, type DemoShape, isDemoShape } from '../../demo/vendor/shape.ts';
import { demoConfig, generateDemo, writeDemoConfig } from '../../jobs/demo.ts';
import { log, progress, result } from '../../log.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, resolvePaths } from '../context.ts';

export const demoCommand: Command = {
  summary: 'write a demo practice’s extracts into the inbox (--referrals N --start DATE --end DATE --seed N --as csv|epic-ehi|fhir-r4 --clean)',
  options: {
    ...COMMON_OPTIONS,
    referrals: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    seed: { type: 'string' },
    as: { type: 'string' },
    clean: { type: 'boolean' },
    force: { type: 'boolean' },
  },
  async run(options) {
    const shape = shapeOption(options.as);
    const paths = resolvePaths(options as CommonOptions);
    const given = {
      seed: numberOption(options.seed, 'seed'),
      referrals: numberOption(options.referrals, 'referrals'),
      start: dateOption(options.start, 'start'),
      end: dateOption(options.end, 'end'),
    };
    const wroteConfig = await writeDemoConfig(paths.configPath, Boolean(options.force), shape);
    log('demo.config', wroteConfig ? `demo: wrote the practice config to ${paths.configPath}` : `demo: kept the existing config ${paths.configPath} (--force replaces it)`);
    const demo = {
      // Without --end, the demo ends yesterday in the practice's zone.
      ...demoOptions(given, await practiceTimezone(paths.configPath, shape)),
      // Only when asked, so the truth file of a plain demo stays as it was.
      ...(shape === 'csv' ? {} : { as: shape }),
      ...(options.clean ? { clean: true } : {}),
    };
    const what = shape === 'csv' ? (demo.clean ? 'canonical extracts without planted bad rows' : 'canonical extracts') : `one ${shape} delivery`;
    log('demo.start', `demo: generating about ${demo.referrals.toLocaleString('en-US')} referrals from ${demo.start} to ${demo.end} (seed ${demo.seed}) as ${what} into ${paths.inboxDir}`);
    const outcome = await generateDemo(demo, paths.inboxDir, (fraction, referrals) =>
      progress(`demo: ${bar(fraction)} ${Math.round(fraction * 100)}%  ${referrals.toLocaleString('en-US')} referrals`),
    );
    const summary = `demo: ${outcome.referrals.toLocaleString('en-US')} referrals written to ${outcome.outputDir} in ${outcome.seconds.toFixed(1)}s; what was planted is listed in ${outcome.truthPath}`;
    result('demo.done', summary, { referrals: outcome.referrals, seconds: outcome.seconds });
    return 0;
  },
};

function bar(fraction: number, width = 30): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function shapeOption(value: unknown): DemoShape {
  if (value === undefined) return 'csv';
  if (!isDemoShape(value)) throw new Error(`--as must be one of ${DEMO_SHAPES.join(', ')}, not ${String(value)}`);
  return value;
}

/** The zone of the config the run will use (the demo's own unless one was kept). */
async function practiceTimezone(configPath: string, shape: DemoShape): Promise<string> {
  try {
    return (await loadConfig(configPath)).timezone;
  } catch {
    return demoConfig(shape).timezone;
  }
}

function numberOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, not ${String(value)}`);
  return n;
}

function dateOption(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new Error(`--${name} must be a date (YYYY-MM-DD), not ${String(value)}`);
  }
  return value;
}
