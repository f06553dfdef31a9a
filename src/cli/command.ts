// What a command is, and the options every command takes.
import type { ParseArgsConfig } from 'node:util';

export interface Command {
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(options: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

export const COMMON_OPTIONS = {
  config: { type: 'string' },
  db: { type: 'string' },
  inbox: { type: 'string' },
  'as-of': { type: 'string' },
  wait: { type: 'boolean' },
  'settle-seconds': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;
