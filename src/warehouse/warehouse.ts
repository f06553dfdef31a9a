// The one module that opens the warehouse. Every job opens, works and closes:
// DuckDB lets one process hold a database file read-write, so nothing keeps it
// open longer than its work, and a writer checkpoints before it lets go.
//
// A writer spills into the warehouse's private work folder (work-dir.ts), not
// DuckDB's default `<db>.tmp` beside the file (made with the umask's modes):
// emptied when a writer opens, removed when it closes, so spill files a killed
// job left are gone by the end of the next job's open. Raw patient rows never
// reach the warehouse's DuckDB (an ingest stages them in a process of its
// own: ingest/staging-instance.ts), so what it spills is pseudonymized.
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBConnection, DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { sessionMacrosSql, transitionDaysQuery } from '../contracts/value-sql.ts';
import { emptyWorkDir, privateDir, removeIfEmpty, warehouseSpillDir, workDirFor } from '../ingest/work-dir.ts';
import { keyFingerprint, pseudonymMacroSql } from '../privacy/pseudonym.ts';
import { SCHEMA_VERSION, schemaSql } from './schema.ts';
import { quotedString, withTransaction } from './sql.ts';

export interface Warehouse {
  connection: DuckDBConnection;
  /** Rows as plain JSON-safe objects (BIGINT as numbers where they fit, timestamps as text). */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, string | number | boolean | null>): Promise<T[]>;
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  path: string;
  timezone: string;
  readOnly?: boolean;
  /** Needed to load patient data: the macro that pseudonymizes MRNs. */
  pseudonymKey?: Buffer;
  /** Called after the warehouse is closed (releases the writer lock). */
  onClose?: () => Promise<void>;
  /**
   * Where DuckDB spills when a query outgrows the memory limit, for an
   * in-memory database (the caller's folder, made private here, removed by
   * the caller). A writer of a warehouse file always spills into its work
   * folder; a reader keeps DuckDB's default.
   */
  tempDirectory?: string;
}

export class WarehouseKeyError extends Error {}

/** What another DuckDB needs to type rows as the warehouse does (staging-instance.ts). */
export interface WarehouseSession {
  timezone: string;
  pseudonymKey?: Buffer | undefined;
  /** The zone's transition days as the warehouse found them (sessionMacrosSql): a staging instance takes them rather than finding them again. */
  transitionDays?: readonly string[];
}

/** Kept beside the object rather than on it, so no log or JSON of a warehouse can carry the key. */
const sessions = new WeakMap<Warehouse, WarehouseSession>();

export function sessionOf(warehouse: Warehouse): WarehouseSession | undefined {
  return sessions.get(warehouse);
}

/** The memory DuckDB may take before spilling to disk: 4 GB, or REFLOOP_MEMORY_LIMIT (e.g. 512MB). */
export function memoryLimit(): string {
  return process.env.REFLOOP_MEMORY_LIMIT ?? '4GB';
}

/** The statements that give a connection the practice's time zone and refloop's macros (the pseudonym's with a key). */
export function sessionStatements(session: WarehouseSession): string[] {
  return [
    `SET TimeZone = ${quotedString(session.timezone)};`,
    sessionMacrosSql(session.timezone, session.transitionDays),
    ...(session.pseudonymKey ? [pseudonymMacroSql(session.pseudonymKey)] : []),
  ];
}

export async function openWarehouse(options: OpenOptions): Promise<Warehouse> {
  const writesFile = !options.readOnly && options.path !== ':memory:';
  const spill = writesFile ? warehouseSpillDir(options.path) : options.tempDirectory;
  if (writesFile) {
    await mkdir(dirname(options.path), { recursive: true });
    await privateDir(workDirFor(options.path));
    // Only a writer (one at a time: the writer lock) spills here, so what
    // lies in it now is a killed writer's.
    await rm(spill!, { recursive: true, force: true });
  }
  if (spill) await privateDir(spill);
  const instance = await DuckDBInstance.create(options.path, {
    ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}),
    ...(spill ? { temp_directory: spill } : {}),
  });
  const connection = await instance.connect();
  const removeFolders = writesFile ? () => removeWriterFolders(options.path) : undefined;
  const warehouse = wrap(instance, connection, !options.readOnly, options.onClose, removeFolders);
  const session: WarehouseSession = { timezone: options.timezone, pseudonymKey: options.pseudonymKey };
  sessions.set(warehouse, session);
  try {
    // DuckDB holds the file now, so no other job of this warehouse runs: what
    // its work folder and the spill folder of older versions hold is left
    // over from one that was killed.
    if (writesFile) await removeLeftovers(options.path);
    // DuckDB checkpoints whenever the WAL passes 16 MB, rewriting every row
    // group a load touched: a quarter of a large ingest went to that. A writer
    // lets the WAL grow to 1 GB and checkpoints once when it closes.
    if (!options.readOnly) await warehouse.run(`SET checkpoint_threshold = '1GB'`);
    // DuckDB would take 80% of the machine's memory before spilling to disk;
    // a bound keeps a large warehouse's jobs beside other work.
    await warehouse.run(`SET memory_limit = ${quotedString(memoryLimit())}`);
    if (!options.readOnly) await ensureSchema(warehouse);
    session.transitionDays = await keptTransitionDays(warehouse, options.timezone);
    for (const statement of sessionStatements(session)) await warehouse.run(statement);
    if (!session.transitionDays) {
      session.transitionDays = (await warehouse.query<{ day: string }>(transitionDaysQuery)).map((r) => r.day);
      if (!options.readOnly) await keepTransitionDays(warehouse, options.timezone, session.transitionDays);
    }
    if (options.pseudonymKey) {
      await checkKey(warehouse, options.pseudonymKey);
      await warehouse.run(pseudonymMacroSql(options.pseudonymKey));
    }
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  return warehouse;
}

/** A killed job's copies in the work folder, and DuckDB's default spill folder `<db>.tmp` (older versions spilled there). */
async function removeLeftovers(dbPath: string): Promise<void> {
  await emptyWorkDir(workDirFor(dbPath));
  await rm(`${dbPath}.tmp`, { recursive: true, force: true });
}

/** After the writer closes: its spill folder, and the work folder once nothing else is in it. */
async function removeWriterFolders(dbPath: string): Promise<void> {
  await rm(warehouseSpillDir(dbPath), { recursive: true, force: true });
  await removeIfEmpty(workDirFor(dbPath));
}

/**
 * A read-only warehouse for queries a person types (`refloop sql`), locked
 * down before any of them runs: no file or network access (not even to the
 * warehouse's own file, whose raw bytes read_blob would otherwise return), no
 * extension installed or loaded, and no setting changed back. It comes after
 * the time zone and session macros (local_date) are set, since they cannot
 * be set once the configuration is locked.
 */
export async function openSandboxedReader(options: Omit<OpenOptions, 'readOnly' | 'pseudonymKey'>): Promise<Warehouse> {
  const warehouse = await openWarehouse({ ...options, readOnly: true });
  try {
    await lockDownReader(warehouse);
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  return warehouse;
}

/** The sandbox of openSandboxedReader, for a read-only warehouse already open. One way: nothing undoes it. */
export async function lockDownReader(warehouse: Warehouse): Promise<void> {
  const [mode] = await warehouse.query<{ value: string }>("SELECT current_setting('access_mode') AS value");
  if (mode?.value.toLowerCase() !== 'read_only') throw new Error('only a warehouse opened read-only can be sandboxed');
  for (const setting of [
    // No spilling to disk either (set first: it cannot change once external
    // access is off): a query that outgrows memory_limit fails with DuckDB's
    // out-of-memory error rather than a refused file.
    "temp_directory = ''",
    'autoinstall_known_extensions = false',
    'autoload_known_extensions = false',
    'allow_community_extensions = false',
    'enable_external_access = false',
    // enable_external_access still lets read_blob/glob reach the database
    // file, its WAL and spill folder; with the local file system off they
    // cannot. The open file is read through the handle DuckDB already holds.
    "disabled_filesystems = 'LocalFileSystem'",
    'lock_configuration = true',
  ]) {
    await warehouse.run(`SET ${setting}`);
  }
}

function wrap(instance: DuckDBInstance, connection: DuckDBConnection, writable: boolean, onClose?: () => Promise<void>, afterClose?: () => Promise<void>): Warehouse {
  let closed = false;
  return {
    connection,
    async query(sql, params) {
      const reader = await connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as never;
    },
    async run(sql) {
      await connection.run(sql);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (writable) await connection.run('CHECKPOINT');
      } finally {
        connection.closeSync();
        instance.closeSync();
        try {
          await afterClose?.();
        } finally {
          await onClose?.();
        }
      }
    },
  };
}

async function ensureSchema(warehouse: Warehouse): Promise<void> {
  const existing = await warehouse.query<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'warehouse_meta' AND database_name = current_database()",
  );
  if (existing[0]?.n) {
    const version = await warehouse.query<{ value: string }>("SELECT value FROM warehouse_meta WHERE key = 'schema_version'");
    if (version[0]?.value === SCHEMA_VERSION) return;
  }
  await withTransaction(warehouse, async () => {
    await warehouse.run(schemaSql());
    await warehouse.run(`INSERT OR REPLACE INTO warehouse_meta VALUES ('schema_version', ${quotedString(SCHEMA_VERSION)})`);
  });
  await warehouse.run('CHECKPOINT');
}

/**
 * The zone's transition days (sessionMacrosSql) as the warehouse keeps them in
 * warehouse_meta: finding them is 48,000 ICU calls, 40 ms of every command's
 * start. Kept per zone and DuckDB version, whose ICU holds the zone rules.
 */
const transitionDaysKey = (timezone: string) => `transition_days ${timezone} duckdb ${duckdbVersion()}`;

async function keptTransitionDays(warehouse: Warehouse, timezone: string): Promise<string[] | undefined> {
  const kept = await warehouse
    .query<{ value: string }>(`SELECT value FROM warehouse_meta WHERE key = ${quotedString(transitionDaysKey(timezone))}`)
    .catch(() => []); // a read-only warehouse written before warehouse_meta existed
  if (!kept[0]) return undefined;
  const days = kept[0].value === '' ? [] : kept[0].value.split(',');
  // Anything but dates (a hand edit) is found again.
  return days.every((day) => /^\d{4}-\d{2}-\d{2}$/.test(day)) ? days : undefined;
}

/** Keeps the days found for this zone and version, in place of any kept for another. */
async function keepTransitionDays(warehouse: Warehouse, timezone: string, days: readonly string[]): Promise<void> {
  await warehouse.run(
    `DELETE FROM warehouse_meta WHERE starts_with(key, 'transition_days ');
     INSERT INTO warehouse_meta VALUES (${quotedString(transitionDaysKey(timezone))}, ${quotedString(days.join(','))})`,
  );
}

/** Pseudonyms made under two keys never match: refuse to mix them in one warehouse. */
async function checkKey(warehouse: Warehouse, key: Buffer): Promise<void> {
  const fingerprint = keyFingerprint(key);
  const stored = await warehouse.query<{ value: string }>("SELECT value FROM warehouse_meta WHERE key = 'pseudonym_key_fingerprint'");
  if (stored[0]) {
    if (stored[0].value !== fingerprint) {
      throw new WarehouseKeyError(
        'the pseudonym key differs from the one this warehouse was built with; set REFLOOP_PSEUDONYM_KEY (or restore the key file) to the original key',
      );
    }
    return;
  }
  await warehouse.run(`INSERT INTO warehouse_meta VALUES ('pseudonym_key_fingerprint', ${quotedString(fingerprint)})`);
}
