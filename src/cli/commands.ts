// The command table: name, options, and the function that runs it.
import type { Command } from './command.ts';
import { demoCommand } from './commands/demo.ts';
import { digestCommand } from './commands/digest.ts';
import { initCommand } from './commands/init.ts';
import { ingestCommand, publishCommand, runCommand, transformCommand } from './commands/jobs.ts';
import { mapCommand } from './commands/map.ts';
import { outreachCommand } from './commands/outreach.ts';
import { scheduleCommand } from './commands/schedule.ts';
import { sqlCommand } from './commands/sql.ts';
import { startCommand } from './commands/start.ts';
import { statementsCommand } from './commands/statements.ts';
import { statusCommand } from './commands/status.ts';

export const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  init: initCommand,
  map: mapCommand,
  ingest: ingestCommand,
  transform: transformCommand,
  publish: publishCommand,
  run: runCommand,
  sql: sqlCommand,
  outreach: outreachCommand,
  status: statusCommand,
  start: startCommand,
  schedule: scheduleCommand,
  digest: digestCommand,
  statements: statementsCommand,
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: refloop <command> [--config FILE] [--db FILE] [--inbox DIR] [--as-of DATE]\n\ncommands:\n${lines.join('\n')}\n`;
}
