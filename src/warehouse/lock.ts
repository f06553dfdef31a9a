// One writer at a time. DuckDB lets one process open a database file
// read-write and refuses everyone else, even readers, with a low-level error.
// This lock file beside the warehouse says who is writing, so a second run
// can say "warehouse busy: run 12 started at … by pid 4242" (or wait), and a
// lock left by a process that is gone is recognised and taken over.
//
// "Gone" is judged from /proc where there is one: a pid that no longer
// exists, a zombie (exited, not yet reaped by its parent), or a pid now used
// by another process (its start time differs from the one the lock recorded;
// for a lock that recorded none, its command line does not mention refloop).
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join } from 'node:path';
import { clearProgress, progress } from '../log.ts';
import { stopRequested, stopSignal } from '../shutdown.ts';

export interface LockInfo {
  pid: number;
  job: string;
  started_at: string;
  run_id?: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22), to tell a reused pid apart. */
  process_start?: string;
}

export class WarehouseBusyError extends Error {}

export const lockPath = (dbPath: string) => `${dbPath}.lock`;

export interface Lock {
  setRun(runId: number): Promise<void>;
  /** Lets go of this handle; the lock file goes with the last handle of the lock. */
  release(): Promise<void>;
  /**
   * A second handle on the same lock, for a job that closes the warehouse
   * and still has work to do under the lock (`run --publish` builds the
   * site after closing it): releasing the first handle then leaves the lock
   * in place, so no other writer starts in between.
   */
  retain(): Lock;
}

export async function acquireWriterLock(dbPath: string, job: string, options: { wait?: boolean; pollMs?: number } = {}): Promise<Lock> {
  const path = lockPath(dbPath);
  // The warehouse's folder may not exist yet (a first run with --db new/w.duckdb).
  await mkdir(dirname(path), { recursive: true });
  const start = processStart(process.pid);
  const info: LockInfo = { pid: process.pid, job, started_at: new Date().toISOString(), ...(start ? { process_start: start } : {}) };
  for (;;) {
    if (await createExclusive(path, JSON.stringify(info))) break;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    const holder = parseLock(text);
    if (!holder || !holderRunning(holder)) {
      // Left by a process that is gone (kill -9, power loss): the warehouse
      // itself is consistent (every file is one transaction), so take over,
      // unless another process replaced the lock meanwhile.
      if (text === undefined || (await readFile(path, 'utf8').catch(() => undefined)) === text) await rm(path, { force: true });
      continue;
    }
    if (!options.wait) throw new WarehouseBusyError(busyMessage(holder));
    progress(`waiting: ${busyMessage(holder)}`);
    await waitOrStop(options.pollMs ?? 1000, holder);
  }
  clearProgress();
  let handles = 0;
  let released = false;
  const releaseLock = async () => {
    released = true;
    const holder = await readLock(path);
    if (holder?.pid === process.pid) await rm(path, { force: true });
  };
  process.once('exit', () => {
    // Synchronous last resort if the process exits without releasing.
    if (!released) {
      try {
        rmSync(path, { force: true });
      } catch {
        // nothing more can be done while exiting
      }
    }
  });
  const handle = (): Lock => {
    handles++;
    let mine = true;
    return {
      async setRun(runId) {
        info.run_id = runId;
        await replaceAtomically(path, JSON.stringify(info));
      },
      async release() {
        if (!mine) return;
        mine = false;
        if (--handles === 0) await releaseLock();
      },
      retain: () => {
        if (released) throw new Error('the writer lock was released: it cannot be retained again');
        return handle();
      },
    };
  };
  return handle();
}

/** A wait for the holder, cut short by SIGTERM/SIGINT: a person or a service manager asked to stop. */
async function waitOrStop(ms: number, holder: LockInfo): Promise<void> {
  const stopped = () => new WarehouseBusyError(`stopped by ${stopRequested()} while waiting for the warehouse: ${busyMessage(holder).replace(/; try again.*/, '')}`);
  if (stopRequested()) throw stopped();
  try {
    await sleep(ms, undefined, { signal: stopSignal() });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw stopped();
    throw error;
  }
}

export function busyMessage(holder: LockInfo): string {
  const run = holder.run_id ? `run ${holder.run_id}` : `a ${holder.job} run`;
  return `warehouse busy: ${run} started at ${holder.started_at} by pid ${holder.pid} (${holder.job}); try again when it ends, or pass --wait`;
}

export async function readLock(path: string): Promise<LockInfo | undefined> {
  return parseLock(await readFile(path, 'utf8').catch(() => undefined));
}

function parseLock(text: string | undefined): LockInfo | undefined {
  try {
    const info = JSON.parse(text ?? '') as LockInfo;
    return Number.isInteger(info?.pid) && info.pid > 0 ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a pid names a process that has not exited (a zombie has exited). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = procStat(pid)?.state;
  return state !== 'Z' && state !== 'X';
}

/** Whether the lock's holder is still the refloop run that wrote it. */
export function holderRunning(holder: LockInfo): boolean {
  if (!isAlive(holder.pid)) return false;
  const stat = procStat(holder.pid);
  if (!stat) return !procAvailable(); // no /proc (not Linux): the live pid is all there is to go by
  if (holder.process_start) return stat.startTicks === holder.process_start;
  return /refloop/i.test(commandLine(holder.pid));
}

const procAvailable = () => procStat(process.pid) !== undefined;

/** State and start time from /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startTicks: fields[19]! };
  } catch {
    return undefined;
  }
}

const processStart = (pid: number) => procStat(pid)?.startTicks;

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Creates the file with its whole content, or returns false when it exists: a reader never sees it empty. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = tempBeside(path);
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    // A file system without hard links: exclusive create, content a moment later.
    return writeFile(path, text, { flag: 'wx' }).then(
      () => true,
      (fallback: NodeJS.ErrnoException) => {
        if (fallback.code === 'EEXIST') return false;
        throw fallback;
      },
    );
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

async function replaceAtomically(path: string, text: string): Promise<void> {
  const temp = tempBeside(path);
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

const tempBeside = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}`);
