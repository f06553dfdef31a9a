// One writer at a time. DuckDB lets one process open a database file
// read-write and refuses everyone else, even readers, with a low-level error.
// This lock file beside the warehouse says who is writing, so a second run
// can say "warehouse busy: run 12 started at … by pid 4242" (or wait), and a
// lock left by a killed process is recognised by its dead pid and taken over.
import { rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { clearProgress, progress } from '../log.ts';

export interface LockInfo {
  pid: number;
  job: string;
  started_at: string;
  run_id?: number;
}

export class WarehouseBusyError extends Error {}

export const lockPath = (dbPath: string) => `${dbPath}.lock`;

export interface Lock {
  setRun(runId: number): Promise<void>;
  release(): Promise<void>;
}

export async function acquireWriterLock(dbPath: string, job: string, options: { wait?: boolean; pollMs?: number } = {}): Promise<Lock> {
  const path = lockPath(dbPath);
  const info: LockInfo = { pid: process.pid, job, started_at: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(path);
    if (!holder || !isAlive(holder.pid)) {
      // Left by a process that died (kill -9, power loss): the warehouse
      // itself is consistent (every file is one transaction), so take over.
      await rm(path, { force: true });
      continue;
    }
    if (!options.wait) throw new WarehouseBusyError(busyMessage(holder));
    progress(`waiting: ${busyMessage(holder)}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
  clearProgress();
  let released = false;
  const release = async () => {
    if (released) return;
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
  return {
    async setRun(runId) {
      info.run_id = runId;
      await writeFile(path, JSON.stringify(info));
    },
    release,
  };
}

export function busyMessage(holder: LockInfo): string {
  const run = holder.run_id ? `run ${holder.run_id}` : `a ${holder.job} run`;
  return `warehouse busy: ${run} started at ${holder.started_at} by pid ${holder.pid} (${holder.job}); try again when it ends, or pass --wait`;
}

export async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
