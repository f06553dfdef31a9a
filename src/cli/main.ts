// `refloop <command>`: parses the command line, runs the command, and turns
// any failure into a non-zero exit with a one-line reason (no stack trace,
// no row values).
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.ts';
import { clearProgress, printable } from '../log.ts';
import { stopOnSignals } from '../shutdown.ts';
import { COMMANDS, usage } from './commands.ts';

// bin/refloop.js hands over the staging process it started ahead.
export { adoptStagingProcess } from '../ingest/staging-instance.ts';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(usage());
    return name && !['help', '--help', '-h'].includes(name) ? 2 : 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`refloop ${name}: ${printable((error as Error).message)}\n`);
    return 2;
  }
  // Jobs stop between files on SIGTERM/SIGINT and record the run.
  if (['ingest', 'transform', 'run', 'start', 'schedule'].includes(name!)) {
    stopOnSignals((signal) => process.stderr.write(`refloop ${name}: ${signal} received, stopping after the work in hand (again to quit now)\n`));
  }
  try {
    return await command.run(parsed.values as never, parsed.positionals);
  } catch (error) {
    clearProgress();
    const message = error instanceof ConfigError ? error.message : oneLine(error);
    process.stderr.write(`refloop ${name} failed: ${printable(message)}\n`);
    if (process.env.REFLOOP_DEBUG) console.error(error);
    return 1;
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
