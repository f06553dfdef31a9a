// What every command starts from: the validated config and where things are.
// The config is validated before anything opens the warehouse.
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config/load.ts';
import type { RefloopConfig } from '../config/schema.ts';
import { loadPseudonymKey } from '../privacy/pseudonym.ts';
import { stopRequested, stopSignal } from '../shutdown.ts';
import { acquireWriterLock, busyMessage, type Lock, lockPath, readLock, WarehouseBusyError } from '../warehouse/lock.ts';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse.ts';

export interface CommonOptions {
  config?: string | undefined;
  db?: string | undefined;
  inbox?: string | undefined;
  'as-of'?: string | undefined;
  wait?: boolean | undefined;
  /** How long a file must lie unchanged before it is read (default 60; `start` uses 0 for the demo it has just written). */
  'settle-seconds'?: string | undefined;
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

/**
 * The writer: takes the writer lock (or waits for it with `wait`), then opens
 * the warehouse. A reader (`refloop sql`, `status`) holds DuckDB's file lock
 * only for a moment, so a conflict with one is retried for up to 30 s.
 */
export async function openForWriting(context: Context, job: string, options: { wait?: boolean } = {}): Promise<{ warehouse: Warehouse; lock: Lock }> {
  const lock = await acquireWriterLock(context.dbPath, job, options);
  try {
    const pseudonymKey = await loadPseudonymKey(context.keyPath);
    for (let attempt = 0; ; attempt++) {
      try {
        const warehouse = await openWarehouse({ path: context.dbPath, timezone: context.config.timezone, pseudonymKey, onClose: lock.release });
        return { warehouse, lock };
      } catch (error) {
        if (!isFileLockConflict(error) || attempt >= 60 || stopRequested()) throw error;
        // A reader holds the file for a moment; SIGTERM/SIGINT end the wait.
        await sleep(500, undefined, { signal: stopSignal() }).catch(() => undefined);
      }
    }
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** A reader, read-only. While a job writes, it says who, and points to the snapshots. */
export async function openForReading(context: Context): Promise<Warehouse> {
  try {
    return await openWarehouse({ path: context.dbPath, timezone: context.config.timezone, readOnly: true });
  } catch (error) {
    if (!isFileLockConflict(error)) throw error;
    const holder = await readLock(lockPath(context.dbPath));
    const who = holder ? busyMessage(holder).replace(/; try again.*/, '') : 'warehouse busy: another process is writing';
    throw new WarehouseBusyError(`${who}; the published snapshots in ${dirname(context.dbPath)}/published can be read meanwhile`);
  }
}

const isFileLockConflict = (error: unknown) => /Could not set lock on file|Conflicting lock/i.test(String((error as Error)?.message ?? error));
