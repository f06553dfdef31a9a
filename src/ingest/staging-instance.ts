// The staging instance: where raw extract rows are read, checked, marked,
// counted and pseudonymized (load-batch.ts), in a DuckDB of its own that runs
// in a process of its own. The warehouse's DuckDB never holds an MRN: what
// crosses to it is rows whose patient identifier is already its pseudonym
// (and whose never-stored columns are gone), in a Parquet file in the private
// work folder, plus counts, lines and reasons.
//
// Why a process and not only a second DuckDB beside the warehouse's: DuckDB
// can write the unused tail of a compressed string segment from memory it
// never initialised (reported for 1.5 as duckdb/duckdb#23382), and two
// DuckDBs in one process draw on one allocator, so memory that held staged
// MRNs could reach a warehouse block. Memory of another process cannot.
//
// One instance per ingest job, opened when the first file is ready to load
// (a run with nothing new opens none), in a process started as the job
// began (prestartStaging). It spills and writes only in its own
// folder of the work folder (mode 0700), removed when it closes; the job's
// pseudonym cache lives in it. Its process may serve the next job of the same
// parent (between jobs it holds no job's instance, only an empty one made
// ahead). Killed with its parent, it stops when the IPC channel closes, and
// the next job empties the work folder.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryLimit, sessionOf, sessionStatements, type Warehouse, type WarehouseSession } from '../warehouse/warehouse.ts';
import { childCpuSeen, childReaped, phaseStart } from './profile.ts';
import { forkStagingProcess } from './staging-fork.mjs';
import { scratchDir } from './work-dir.ts';

/**
 * Connections of the staging instance that run beside each other: enough for
 * two small batches at once on two cores (each query of a small batch keeps
 * one thread busy).
 */
export const STAGING_LANES = 2;

/** The staging instance as load-batch.ts uses it: SQL in, JSON-safe rows out. */
export interface StagingInstance extends Warehouse {
  /** Starts the process if it is not running (so it is ready when the first batch is); a failure shows on first use. */
  warm(): void;
  /**
   * A new path in the instance's private folder for a file it writes and the
   * warehouse reads. The caller removes it (else it goes with the folder).
   */
  transferPath(name: string): Promise<string>;
  /**
   * The same instance through another of its connections (0 … STAGING_LANES - 1;
   * this one is lane 0): a lane has its own temp tables, so two batches can be
   * staged at once, one per lane. Its queries share the instance's memory.
   */
  lane(number: number): StagingInstance;
}

/** What the staging process is asked (staging-worker.mjs): one request at a time per lane, in order. */
type StagingMessage =
  /** config: DuckDB settings, SET on the job's instance before its setup statements run on each lane. */
  | { op: 'open'; config: Record<string, string>; setup: string[]; lanes: number }
  | { op: 'run' | 'query'; sql: string; lane: number }
  | { op: 'close' | 'exit' };
type StagingRequest = StagingMessage & { id: number };
type StagingReply = ({ id: number; rows?: unknown[] } | { id: number; error: string }) & { cpuMs?: number };

type Pending = { resolve: (rows: unknown[]) => void; reject: (error: Error) => void };

/** One staging process. */
class StagingProcess {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly exited: Promise<void>;
  ended: string | undefined;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message) => {
      const reply = message as StagingReply;
      if (reply.cpuMs !== undefined && child.pid !== undefined) childCpuSeen(child.pid, reply.cpuMs);
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.rows ?? []);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (child.pid !== undefined) childReaped(child.pid);
        this.ended = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        for (const waiting of this.pending.values()) waiting.reject(new Error(`the staging process ${this.ended}`));
        this.pending.clear();
        resolve();
      });
    });
    child.on('error', () => {
      // Reported through 'exit' (a failed spawn) or the request that could not be sent.
    });
  }

  static spawn(): StagingProcess {
    return new StagingProcess(forkStagingProcess(WORKER));
  }

  request(message: StagingMessage): Promise<unknown[]> {
    if (this.ended) return Promise.reject(new Error(`the staging process ${this.ended}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...message, id } satisfies StagingRequest, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(new Error(`the staging process could not be reached: ${error.message}`));
      });
    });
  }

  /** While it waits between jobs it keeps neither the parent alive nor a job's instance. */
  hold(waiting: boolean): void {
    if (waiting) {
      this.child.unref();
      this.child.channel?.unref();
    } else {
      this.child.ref();
      this.child.channel?.ref();
    }
  }

  async exit(): Promise<void> {
    if (!this.ended) {
      await this.request({ op: 'exit' }).catch(() => undefined);
      const stuck = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(stuck);
    }
  }
}

/**
 * A staging process between jobs, its instance closed: the next job of this
 * process (a test file's many ingests, the scheduler's runs) opens its
 * instance in it rather than waiting for a new process and DuckDB to load.
 */
let waiting: StagingProcess | undefined;

/**
 * Starts a staging process to wait for this process's next job, if none
 * waits. `refloop ingest` calls it before it loads its config and opens the
 * warehouse, so that Node and DuckDB load in the staging process on the
 * other core meanwhile: a small day's files are then not kept waiting for
 * it (it was half of an incremental day). A run with nothing new leaves it
 * unused; it exits with this process, having cost only its start.
 */
export function prestartStaging(): void {
  if (waiting && !waiting.ended) return;
  waiting = StagingProcess.spawn();
  waiting.hold(true);
}

/**
 * A staging process bin/refloop.js started (forkStagingProcess) before this
 * code loaded, for a command that ingests: it waits for the job as one
 * prestartStaging would have started. One that has already exited is left.
 */
export function adoptStagingProcess(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || (waiting && !waiting.ended)) return;
  waiting = new StagingProcess(child);
  waiting.hold(true);
}

/** The job's instance in a staging process, with the folder it spills and writes into. */
interface Opened {
  process: StagingProcess;
  folder: { dir: string; remove: () => Promise<void> };
}

async function open(session: WarehouseSession, workDir: string): Promise<Opened> {
  // Runs beside the scan of the first files (warm): a wait only if a batch asks for it first.
  const started = phaseStart('staging start (beside the scan)');
  try {
    return await openProcess(session, workDir);
  } finally {
    started();
  }
}

async function openProcess(session: WarehouseSession, workDir: string): Promise<Opened> {
  const folder = await scratchDir(workDir, 'staging');
  try {
    const spill = join(folder.dir, 'spill');
    await mkdir(spill, { mode: 0o700 });
    await chmod(spill, 0o700);
    const reused = waiting && !waiting.ended ? waiting : undefined;
    waiting = undefined;
    const staging = reused ?? StagingProcess.spawn();
    staging.hold(false);
    try {
      await staging.request({ op: 'open', config: { temp_directory: spill, memory_limit: memoryLimit() }, setup: sessionStatements(session), lanes: STAGING_LANES });
    } catch (error) {
      await staging.exit();
      throw new Error(`the staging instance could not start: ${(error as Error).message}`);
    }
    return { process: staging, folder };
  } catch (error) {
    await folder.remove();
    throw error;
  }
}

/**
 * Closes the job's instance and removes its folder (unless `keepFolder`);
 * the process waits for the next job, or exits if one already waits.
 */
async function release({ process: staging, folder }: Opened, keepFolder = false): Promise<void> {
  try {
    if (!staging.ended) await staging.request({ op: 'close' });
    if (!staging.ended && !waiting) {
      staging.hold(true);
      waiting = staging;
    } else {
      await staging.exit();
    }
  } catch {
    await staging.exit();
  } finally {
    if (!keepFolder) await folder.remove();
  }
}

export function stagingFor(warehouse: Warehouse, workDir: string): StagingInstance {
  const session = sessionOf(warehouse);
  if (!session) throw new Error('the staging instance needs a warehouse opened by openWarehouse');
  return new LazyStaging(session, workDir);
}

/**
 * Opened on first use; a process that died is replaced at the next batch, so
 * one crash fails the batches it was staging. Its folder stays until the
 * job closes the instance: batches staged before the crash may still have
 * their landing rows in it, waiting to land.
 */
class LazyStaging implements StagingInstance {
  private current: Promise<Opened> | undefined;
  private transfers = 0;
  private readonly lanes: StagingInstance[];
  /** Folders of processes that died during the job. */
  private readonly leftFolders: Opened['folder'][] = [];

  constructor(
    private readonly session: WarehouseSession,
    private readonly workDir: string,
  ) {
    this.lanes = Array.from({ length: STAGING_LANES }, (_, number) => (number === 0 ? this : new StagingLane(this, number)));
  }

  get connection(): never {
    throw new Error('the staging instance runs in another process: it has no connection here (use run and query)');
  }

  warm(): void {
    this.opened().catch(() => undefined);
  }

  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.queryOn<T>(0, sql, params);
  }

  run(sql: string): Promise<void> {
    return this.runOn(0, sql);
  }

  async queryOn<T>(lane: number, sql: string, params?: Record<string, unknown>): Promise<T[]> {
    if (params) throw new Error('the staging instance takes no parameters: put values in the SQL');
    return (await (await this.opened()).process.request({ op: 'query', sql, lane })) as T[];
  }

  async runOn(lane: number, sql: string): Promise<void> {
    await (await this.opened()).process.request({ op: 'run', sql, lane });
  }

  async transferPath(name: string): Promise<string> {
    const { folder } = await this.opened();
    return join(folder.dir, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${++this.transfers}.parquet`);
  }

  lane(number: number): StagingInstance {
    const lane = this.lanes[number];
    if (!lane) throw new Error(`the staging instance has lanes 0 to ${STAGING_LANES - 1}, not ${number}`);
    return lane;
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    const opened = await current?.catch(() => undefined);
    try {
      if (opened) await release(opened);
    } finally {
      for (const folder of this.leftFolders.splice(0)) await folder.remove();
    }
  }

  private async opened(): Promise<Opened> {
    const current = this.current;
    if (current) {
      const opened = await current.catch(() => undefined);
      if (opened && !opened.process.ended) return opened;
      if (this.current === current) {
        this.current = undefined;
        if (opened) {
          this.leftFolders.push(opened.folder);
          await release(opened, true);
        }
      }
    }
    this.current ??= open(this.session, this.workDir);
    return this.current;
  }
}

/** Another connection of a LazyStaging: its own temp tables, the same process, folder and job. */
class StagingLane implements StagingInstance {
  constructor(
    private readonly staging: LazyStaging,
    private readonly number: number,
  ) {}

  get connection(): never {
    return this.staging.connection;
  }

  warm(): void {
    this.staging.warm();
  }

  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.staging.queryOn<T>(this.number, sql, params);
  }

  run(sql: string): Promise<void> {
    return this.staging.runOn(this.number, sql);
  }

  transferPath(name: string): Promise<string> {
    return this.staging.transferPath(name);
  }

  lane(number: number): StagingInstance {
    return this.staging.lane(number);
  }

  /** The job closes the instance, not a lane. */
  async close(): Promise<void> {}
}

const here = dirname(fileURLToPath(import.meta.url));
/** The worker: beside this file, or (when this runs from the bundle in build/) in the source tree. */
const WORKER = [join(here, 'staging-worker.mjs'), join(here, '../src/ingest/staging-worker.mjs')].find((path) => existsSync(path)) ?? join(here, 'staging-worker.mjs');
