// What every command starts from: the validated config and where things are.
// The config is validated before anything opens the warehouse.
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { RefloopConfig } from '../config/schema.ts';
import { loadPseudonymKey } from '../privacy/pseudonym.ts';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse.ts';

export interface CommonOptions {
  config?: string | undefined;
  db?: string | undefined;
  inbox?: string | undefined;
  'as-of'?: string | undefined;
}

export interface Context {
  config: RefloopConfig;
  configPath: string;
  dbPath: string;
  inboxDir: string;
  /** The pseudonym key lives beside the warehouse it belongs to (data/.pseudonym-key by default). */
  keyPath: string;
}

export const DEFAULTS = { config: 'refloop.config.json', db: 'data/warehouse.duckdb', inbox: 'data/inbox' } as const;

export function resolvePaths(options: CommonOptions) {
  const dbPath = resolve(options.db ?? DEFAULTS.db);
  return {
    configPath: resolve(options.config ?? DEFAULTS.config),
    dbPath,
    inboxDir: resolve(options.inbox ?? DEFAULTS.inbox),
    keyPath: join(dirname(dbPath), '.pseudonym-key'),
  };
}

export async function createContext(options: CommonOptions): Promise<Context> {
  const paths = resolvePaths(options);
  return { ...paths, config: await loadConfig(paths.configPath) };
}

export async function openForWriting(context: Context): Promise<Warehouse> {
  return openWarehouse({
    path: context.dbPath,
    timezone: context.config.timezone,
    pseudonymKey: await loadPseudonymKey(context.keyPath),
  });
}

export async function openForReading(context: Context): Promise<Warehouse> {
  return openWarehouse({ path: context.dbPath, timezone: context.config.timezone, readOnly: true });
}
