// Where an ingest's time goes, per phase (the bench prints it). With
// REFLOOP_PROFILE set to a path, each phase's wall time is summed while the
// job runs, and the sums are written to that path as JSON when the process
// exits, with the process's own wall and CPU time. Without it, nothing is
// kept: a phase costs one clock read.
//
// Phases may overlap (Node scans the next files while DuckDB loads a batch),
// so their sum can exceed the process's wall time; `idle` phases are waits
// of one flow on another. Phase names and a delivery's file names (an
// adapter's stage per table or resource file), never a row value.
import { writeFileSync } from 'node:fs';

export interface PhaseTotal {
  phase: string;
  seconds: number;
  /** CPU of this process and its staging processes while the phase ran (with whatever ran beside it). */
  cpuSeconds: number;
  /** The staging processes' part of cpuSeconds. */
  stagingCpuSeconds: number;
  count: number;
}

export interface Profile {
  /** From the process's start to its exit. */
  wallSeconds: number;
  /** This process's user + system CPU (the staging process's is its own). */
  cpuSeconds: number;
  /**
   * CPU of the staging processes still running when this one exited (one
   * waits for a next job, then stops with its parent): not reaped, so not in
   * what GNU time reports for this process.
   */
  unreapedChildCpuSeconds: number;
  phases: PhaseTotal[];
}

const target = process.env.REFLOOP_PROFILE;
const totals = new Map<string, { ms: number; cpuMs: number; childMs: number; count: number }>();
/** The CPU each staging process has reported (its replies carry it), in ms. */
const childCpu = new Map<number, number>();

function add(phase: string, ms: number, cpuMs: number, childMs = 0): void {
  const total = totals.get(phase) ?? { ms: 0, cpuMs: 0, childMs: 0, count: 0 };
  total.ms += ms;
  total.cpuMs += cpuMs + childMs;
  total.childMs += childMs;
  total.count++;
  totals.set(phase, total);
}

function ownCpuMs(): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000;
}

function childCpuMs(): number {
  let children = 0;
  for (const ms of childCpu.values()) children += ms;
  return children;
}

/** Staging processes this one has reaped: their CPU is in its rusage of children (what GNU time reports). */
const reaped = new Set<number>();

/** A staging process's CPU so far (ms), as its latest reply told it. */
export function childCpuSeen(pid: number, cpuMs: number): void {
  if (target) childCpu.set(pid, cpuMs);
}

export function childReaped(pid: number): void {
  if (target) reaped.add(pid);
}

/** Starts a phase; the returned function ends it. */
export function phaseStart(phase: string): () => void {
  if (!target) return () => {};
  const started = performance.now();
  const own = ownCpuMs();
  const child = childCpuMs();
  return () => add(phase, performance.now() - started, ownCpuMs() - own, childCpuMs() - child);
}

/** Runs `work` as one phase. */
export async function phase<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!target) return work();
  const end = phaseStart(name);
  try {
    return await work();
  } finally {
    end();
  }
}

/**
 * A progress callback that also times each stage it is told of, from its
 * start to the next stage's (a stage's share done, `… 40%`, is the same stage).
 */
export function stagesTimed(prefix: string, onProgress: (stage: string, fraction?: number) => void): { onProgress: (stage: string, fraction?: number) => void; end: () => void } {
  if (!target) return { onProgress, end: () => {} };
  let current: { stage: string; end: () => void } | undefined;
  const end = () => {
    current?.end();
    current = undefined;
  };
  return {
    onProgress: (stage, fraction) => {
      if (current?.stage !== stage) {
        end();
        current = { stage, end: phaseStart(`${prefix}${stage}`) };
      }
      onProgress(stage, fraction);
    },
    end,
  };
}

/** Records a phase measured elsewhere (another process's, in milliseconds). */
export function addPhase(name: string, ms: number, cpuMs = 0): void {
  if (target) add(name, ms, cpuMs);
}

let jobEnded: { at: number; cpuMs: number } | undefined;

/** The job's last step is done: what follows (its run record, the warehouse's checkpoint and close, exit) is timed as one phase. */
export function jobEnd(): void {
  if (target) jobEnded = { at: performance.now(), cpuMs: ownCpuMs() };
}

export function profileNow(): Profile {
  if (jobEnded !== undefined) {
    add('after the job: run record, checkpoint, close', performance.now() - jobEnded.at, ownCpuMs() - jobEnded.cpuMs);
    jobEnded = undefined;
  }
  const cpu = process.cpuUsage();
  return {
    wallSeconds: performance.now() / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    unreapedChildCpuSeconds: [...childCpu].filter(([pid]) => !reaped.has(pid)).reduce((n, [, ms]) => n + ms, 0) / 1000,
    phases: [...totals].map(([phase, t]) => ({ phase, seconds: t.ms / 1000, cpuSeconds: t.cpuMs / 1000, stagingCpuSeconds: t.childMs / 1000, count: t.count })),
  };
}

if (target) {
  process.on('exit', () => {
    try {
      writeFileSync(target, `${JSON.stringify(profileNow())}\n`);
    } catch {
      // a profile that cannot be written must not fail the job
    }
  });
}
