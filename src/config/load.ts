// Reads and validates the config file. A bad config stops the program before
// it touches the warehouse, with every problem listed by its JSON path.
import { readFile } from 'node:fs/promises';
import { log } from '../log.ts';
import { sourceMapProblems } from '../sources/check-maps.ts';
import { renameKeys } from './renamed-keys.ts';
import { configSchema, type RefloopConfig } from './schema.ts';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid refloop config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Where a warning about the config goes: the log (stderr), by default. */
export type ConfigWarn = (message: string) => void;
const toLog: ConfigWarn = (message) => log('config.warning', message);

export async function loadConfig(file: string, warn: ConfigWarn = toLog): Promise<RefloopConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError(file, [`cannot read the file (run \`refloop demo\` to create a demo practice, or pass --config)`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  return parseConfig(json, file, warn);
}

/** Validates a config; an old key name is read as its new one, with one warning each (renamed-keys.ts). */
export function parseConfig(json: unknown, file = 'config', warn: ConfigWarn = toLog): RefloopConfig {
  const renamed = renameKeys(json);
  if (renamed.problems.length) throw new ConfigError(file, renamed.problems);
  const result = configSchema.safeParse(renamed.json);
  if (result.success) {
    const problems = sourceMapProblems(result.data.sources);
    if (problems.length) throw new ConfigError(file, problems);
    for (const warning of renamed.warnings) warn(`${file}: ${warning}`);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => `${jsonPath(issue.path)}: ${issue.message}`);
  throw new ConfigError(file, problems);
}

function jsonPath(path: PropertyKey[]): string {
  let out = '$';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

/** The SLA hours per urgency for one service line: the line's overrides on top of the default. */
export function slaHoursFor(config: RefloopConfig, serviceLineId: string) {
  const line = config.service_lines.find((l) => l.id === serviceLineId);
  return { ...config.contact_sla_hours, ...(line?.contact_sla_hours ?? {}) };
}
