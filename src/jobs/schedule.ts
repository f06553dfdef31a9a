// `refloop schedule`: runs the jobs on the config's cron expressions, in the
// practice's time zone, until stopped.
//
// Cron is only a trigger. Whether a job is due comes from the run records: a
// job is due when no successful run of it started at or after its latest
// scheduled time. So a run missed while the process was down (or the machine
// asleep) is caught up once at start, recorded with trigger 'catch-up', and a
// tick that fires while a job is still running is skipped, not queued.
//
// Jobs: 'run' (ingest, then transform) on schedule.ingest; 'publish'
// (transform as of now, then the site) on schedule.publish. After each
// publish that succeeds, the weekly digest of the week just ended is written
// (data/digests/<week>/); a digest that fails is logged and does not fail
// the publish, and the next publish writes it again.
import { CronExpressionParser } from 'cron-parser';
import type { RefloopConfig } from '../config/schema.ts';
import { log } from '../log.ts';
import { stopRequested } from '../shutdown.ts';
import type { Trigger } from '../warehouse/runs.ts';

export interface ScheduledJob {
  job: 'run' | 'publish';
  cron: string;
}

export function scheduledJobs(config: RefloopConfig): ScheduledJob[] {
  return [
    { job: 'run', cron: config.schedule.ingest },
    { job: 'publish', cron: config.schedule.publish },
  ];
}

/** The latest time at or before `now` that the expression names, in the zone. */
export function latestTick(expression: string, timezone: string, now: Date): Date {
  const next = CronExpressionParser.parse(expression, { currentDate: new Date(now.getTime() + 1), tz: timezone });
  return next.prev().toDate();
}

/** Due when no successful run started at or after the latest tick. */
export function isDue(expression: string, timezone: string, now: Date, lastSuccessStart: Date | undefined): boolean {
  const tick = latestTick(expression, timezone, now);
  return !lastSuccessStart || lastSuccessStart.getTime() < tick.getTime();
}

export interface SchedulerDeps {
  config: RefloopConfig;
  now: () => Date;
  /** Start time of the latest successful run of a job, from the run records. */
  lastSuccess: (job: string) => Promise<Date | undefined>;
  execute: (job: ScheduledJob['job'], trigger: Trigger) => Promise<number>;
  /** Writes the weekly digest; called after each publish that succeeded. */
  digest?: () => Promise<void>;
}

/** Runs a job; after a publish that succeeded, writes the digest. Returns the job's exit code. */
export async function runJob(deps: SchedulerDeps, job: ScheduledJob['job'], trigger: Trigger): Promise<number> {
  const code = await deps.execute(job, trigger);
  if (job === 'publish' && code === 0 && deps.digest && !stopRequested()) {
    try {
      await deps.digest();
    } catch (error) {
      log('schedule.digest_failed', `schedule: the weekly digest was not written: ${(error as Error).message.split('\n')[0]}`, { job });
    }
  }
  return code;
}

/** At start: run each job that is due, once, as a catch-up. Returns the jobs caught up. */
export async function catchUp(deps: SchedulerDeps): Promise<string[]> {
  const caughtUp: string[] = [];
  for (const job of scheduledJobs(deps.config)) {
    if (stopRequested()) break;
    if (!isDue(job.cron, deps.config.timezone, deps.now(), await deps.lastSuccess(job.job))) continue;
    log('schedule.catch_up', `schedule: ${job.job} missed its ${latestTick(job.cron, deps.config.timezone, deps.now()).toISOString()} run; catching up now`, { job: job.job });
    await runJob(deps, job.job, 'catch-up');
    caughtUp.push(job.job);
  }
  return caughtUp;
}

/** Catches up, then runs the jobs on their cron ticks until a stop signal. */
export async function runScheduler(deps: SchedulerDeps): Promise<void> {
  let running: string | undefined;
  const guarded = async (job: ScheduledJob, trigger: Trigger) => {
    if (running) {
      log('schedule.skipped', `schedule: ${job.job} tick skipped, ${running} is still running`, { job: job.job, running });
      return;
    }
    running = job.job;
    try {
      if (isDue(job.cron, deps.config.timezone, deps.now(), await deps.lastSuccess(job.job))) {
        const code = await runJob(deps, job.job, trigger);
        log('schedule.done', `schedule: ${job.job} ${code === 0 ? 'succeeded' : 'failed'} (${trigger})`, { job: job.job, trigger, exit: code });
      }
    } catch (error) {
      log('schedule.failed', `schedule: ${job.job} failed: ${(error as Error).message.split('\n')[0]}`, { job: job.job });
    } finally {
      running = undefined;
    }
  };
  await catchUp(deps);
  // Loaded here, not with the module: every command imports this one, and node-cron costs 27 ms to load.
  const { default: cron } = await import('node-cron');
  const tasks = scheduledJobs(deps.config).map((job) =>
    cron.schedule(job.cron, () => void guarded(job, 'schedule'), { timezone: deps.config.timezone, name: `refloop-${job.job}` }),
  );
  log('schedule.ready', `schedule: waiting for ${scheduledJobs(deps.config).map((j) => `${j.job} "${j.cron}"`).join(', ')} (${deps.config.timezone}); Ctrl-C or SIGTERM to stop`);
  while (!stopRequested() || running) await new Promise((resolve) => setTimeout(resolve, 500));
  for (const task of tasks) await task.stop();
  log('schedule.stopped', `schedule: stopped by ${stopRequested()}`);
}
