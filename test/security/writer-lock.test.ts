// The writer lock names a refloop run; a lock whose process is gone, a
// zombie, or now someone else is taken over, and a wait for it ends at
// SIGTERM/SIGINT. Real child processes throughout, each bounded in time.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireWriterLock, isAlive, type LockInfo, lockPath, readLock, WarehouseBusyError } from '../../src/warehouse/lock.ts';

const REPO = join(import.meta.dirname, '../..');
const LOCK_MODULE = JSON.stringify(join(REPO, 'src/warehouse/lock.ts'));
const SHUTDOWN_MODULE = JSON.stringify(join(REPO, 'src/shutdown.ts'));
const hasProc = existsSync('/proc/self/stat');

let dir: string;
let dbPath: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-lock-'));
  dbPath = join(dir, 'warehouse.duckdb');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** A TypeScript snippet in its own Node process; it exits by itself after 20 s at the latest. */
const script = (code: string) => start(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `setTimeout(() => process.exit(99), 20_000).unref();\n${code}`]);

async function firstLine(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout!) {
    text += String(chunk);
    if (text.includes('\n')) return text.split('\n')[0]!;
  }
  throw new Error(`the child exited before writing a line (exit ${child.exitCode})`);
}

const writeLock = (info: Partial<LockInfo> & { pid: number }) =>
  writeFile(lockPath(dbPath), JSON.stringify({ job: 'ingest', started_at: '2026-11-02T09:00:00.000Z', ...info }));

function procStart(pid: number): string {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe.skipIf(!hasProc)('whose lock is it (needs /proc: Linux)', () => {
  it('a lock naming a live process that is not refloop (sleep) is taken over', async () => {
    const other = start('sleep', ['30']);
    await writeLock({ pid: other.pid! });
    const lock = await acquireWriterLock(dbPath, 'transform');
    expect((await readLock(lockPath(dbPath)))?.pid).toBe(process.pid);
    await lock.release();
  });

  it('a lock whose pid now belongs to another process (start time differs) is taken over, even one mentioning refloop', async () => {
    const other = start(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)', 'refloop']);
    await writeLock({ pid: other.pid!, process_start: String(Number(procStart(other.pid!)) - 1) });
    const lock = await acquireWriterLock(dbPath, 'transform');
    expect((await readLock(lockPath(dbPath)))?.pid).toBe(process.pid);
    await lock.release();
  });

  it('a lock held by a live refloop run is respected: busy, naming its pid', async () => {
    const holder = script(`const { acquireWriterLock } = await import(${LOCK_MODULE});
      await acquireWriterLock(${JSON.stringify(dbPath)}, 'ingest');
      process.stdout.write('held\\n');
      setTimeout(() => {}, 20_000);`);
    expect(await firstLine(holder)).toBe('held');
    await expect(acquireWriterLock(dbPath, 'transform')).rejects.toThrow(new RegExp(`^warehouse busy: a ingest run started at .* by pid ${holder.pid} \\(ingest\\)`));
  });

  it('a lock without a start time (written by an older refloop) naming a live process whose command mentions refloop is respected', async () => {
    const older = start(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)', '/opt/refloop/bin/refloop.js']);
    await writeLock({ pid: older.pid! });
    await expect(acquireWriterLock(dbPath, 'transform')).rejects.toBeInstanceOf(WarehouseBusyError);
  });

  it('a holder that has exited but is not yet reaped (a zombie) counts as gone', async () => {
    // `exec sleep` replaces the shell, and sleep never reaps the background
    // child: after 0.2 s that child is a zombie until sleep ends (10 s).
    const parent = start('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 10']);
    const zombie = Number(await firstLine(parent));
    const startTicks = procStart(zombie);
    for (let i = 0; i < 50 && !/\) Z /.test(readFileSync(`/proc/${zombie}/stat`, 'utf8')); i++) await sleep(100);
    expect(readFileSync(`/proc/${zombie}/stat`, 'utf8')).toMatch(/\) Z /);
    expect(isAlive(zombie)).toBe(false);
    await writeLock({ pid: zombie, process_start: startTicks });
    const lock = await acquireWriterLock(dbPath, 'ingest');
    expect((await readLock(lockPath(dbPath)))?.pid).toBe(process.pid);
    await lock.release();
  });
});

it('--db in a folder that does not exist: the folder is made for the lock file', async () => {
  const deeper = join(dir, 'new/practice/warehouse.duckdb');
  const lock = await acquireWriterLock(deeper, 'ingest');
  expect((await readLock(lockPath(deeper)))?.pid).toBe(process.pid);
  await lock.release();
  expect(existsSync(lockPath(deeper))).toBe(false);
});

describe.skipIf(!hasProc)('waiting for the lock (--wait)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s ends the wait at once, saying who held the warehouse', async (signal) => {
    const holder = script(`const { acquireWriterLock } = await import(${LOCK_MODULE});
      await acquireWriterLock(${JSON.stringify(dbPath)}, 'ingest');
      process.stdout.write('held\\n');
      setTimeout(() => {}, 20_000);`);
    expect(await firstLine(holder)).toBe('held');
    // As `refloop ingest --wait` runs: signals handled by stopOnSignals.
    const waiter = script(`const { stopOnSignals } = await import(${SHUTDOWN_MODULE});
      const { acquireWriterLock } = await import(${LOCK_MODULE});
      stopOnSignals();
      process.stdout.write('waiting\\n');
      try {
        await acquireWriterLock(${JSON.stringify(dbPath)}, 'transform', { wait: true, pollMs: 5_000 });
        process.stdout.write('acquired\\n');
      } catch (error) {
        process.stderr.write(error.message + '\\n');
        process.exitCode = 1;
      }`);
    let stderr = '';
    waiter.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    expect(await firstLine(waiter)).toBe('waiting');
    await sleep(500);
    const sentAt = Date.now();
    waiter.kill(signal);
    const exit = await Promise.race([once(waiter, 'exit'), sleep(3000).then(() => ['still waiting 3 s after the signal'])]);
    expect(exit[0]).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    expect(stderr).toMatch(new RegExp(`^stopped by ${signal} while waiting for the warehouse: warehouse busy: a ingest run started at .* by pid ${holder.pid} \\(ingest\\)\\n$`));
  });
});
