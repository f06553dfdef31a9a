// `refloop ingest`, `transform` and `run` (ingest, then transform): one run
// record each, one summary line per stage, and a non-zero exit when a file
// was refused or an error-severity check fired (after every stage has run,
// so one bad file does not keep the rest from the marts).
import { dirname, join, resolve } from 'node:path';
import { prestartStaging } from '../../ingest/staging-instance.ts';
import { workDirFor } from '../../ingest/work-dir.ts';
import { ingestInbox, summaryLine } from '../../jobs/ingest.ts';
import { publishSite } from '../../jobs/publish.ts';
import { transform, transformSummary } from '../../jobs/transform.ts';
import { log, printable, result } from '../../log.ts';
import { publishSnapshotSet, removeStaleSnapshotSets, systemSnapshots } from '../../models/snapshots.ts';
import { stopRequested } from '../../shutdown.ts';
import { acquireWriterLock, type Lock } from '../../warehouse/lock.ts';
import { finishRun, type RunTotals, startRun, type Trigger } from '../../warehouse/runs.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, type Context, createContext, openForWriting } from '../context.ts';

type Stage = 'ingest' | 'transform' | 'publish';

export async function runStages(options: CommonOptions, job: string, stages: Stage[], trigger: Trigger = 'manual'): Promise<number> {
  // Loads on the other core while this one loads the config and opens the warehouse.
  if (stages.includes('ingest')) prestartStaging();
  const context = await createContext(options);
  const { warehouse, lock } = await openForWriting(context, job, { wait: options.wait });
  // Closing the warehouse before the site build releases `lock`; this second
  // handle keeps the lock file until the build ends, so no other writer can
  // start between the transform and the publish.
  const publishLock = stages.includes('publish') ? lock.retain() : undefined;
  try {
    const snapshotDir = snapshotDirFor(context);
    // What a killed writer left: snapshot folders nothing points at.
    await removeStaleSnapshotSets(snapshotDir);
    const runId = await startRun(warehouse, job, trigger);
    await lock.setRun(runId);
    const totals: RunTotals = {};
    let marts: string[] | undefined;
    const problems: string[] = [];
    try {
      if (stages.includes('ingest')) {
        const summary = await ingestInbox(warehouse, context.config, context.inboxDir, runId, {
          workDir: workDirFor(context.dbPath),
          ...(options['settle-seconds'] === undefined ? {} : { settleSeconds: secondsOption(options['settle-seconds']) }),
        });
        Object.assign(totals, {
          files: summary.filesLoaded + summary.deliveriesLoaded,
          filesRefused: summary.refused.length,
          rowsRead: summary.rowsRead,
          rowsLoaded: summary.rowsLoaded,
          rowsSkipped: summary.rowsSkipped,
          rowsQuarantined: summary.rowsQuarantined,
        });
        if (summary.stoppedBy) problems.push(`stopped by ${summary.stoppedBy} after ${summary.filesLoaded} files; the rest load next run`);
        if (summary.refused.length) problems.push(`${summary.refused.length} file${summary.refused.length === 1 ? '' : 's'} refused: ${summary.refused.map((r) => r.file).join(', ')}`);
        result('ingest.summary', summaryLine(summary));
      }
      if (stages.includes('transform') && !stopRequested()) {
        const outcome = await transform(warehouse, context.config, { asOf: options['as-of'], runId });
        marts = outcome.marts;
        const errors = outcome.checks.filter((c) => c.severity === 'error' && c.failingRows > 0);
        totals.checksFailed = outcome.checks.filter((c) => c.failingRows > 0).length;
        if (errors.length) problems.push(`${errors.length} error check${errors.length === 1 ? '' : 's'} fired: ${errors.map((c) => c.name).join(', ')}`);
        result('transform.summary', transformSummary(outcome));
      }
    } catch (error) {
      await finishRun(warehouse, runId, totals, (error as Error).message.split('\n')[0]);
      throw error;
    }
    const failure = problems.length ? problems.join('; ') : undefined;
    await finishRun(warehouse, runId, totals, failure);
    // The marts and the run records as one set, after the run is recorded
    // (so the health page shows it finished); a set that fails to write
    // leaves the previous one in place and fails the run.
    if (marts) {
      try {
        const set = await publishSnapshotSet(warehouse, [...marts, ...systemSnapshots(marts)], snapshotDir, { runId, practiceId: context.config.practice_id });
        log('snapshots.published', `snapshots: ${set.manifest.files.length} files of run ${runId} published to ${snapshotDir}`, { files: set.manifest.files.length, run_id: runId });
      } catch (error) {
        await finishRun(warehouse, runId, totals, `snapshots not published: ${(error as Error).message.split('\n')[0]}`);
        throw error;
      }
    }
    if (failure) process.stderr.write(`refloop ${job}: ${printable(failure)} (see the messages above)\n`);
    if (stages.includes('publish') && !stopRequested()) {
      // The warehouse is closed first (the site's loaders read snapshots
      // only, and readers may open it meanwhile); the run's lock stays held
      // through the build, so no other job swaps the snapshots meanwhile.
      await warehouse.close();
      await publishHoldingLock(context, options, publishLock);
    }
    return failure ? 1 : 0;
  } finally {
    await warehouse.close();
    await publishLock?.release();
  }
}


function secondsOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--settle-seconds must be a number of seconds, not ${value}`);
  return n;
}

export const ingestCommand: Command = {
  summary: 'load new inbox files into the warehouse',
  options: COMMON_OPTIONS,
  run: (options) => runStages(options as CommonOptions, 'ingest', ['ingest']),
};

export const transformCommand: Command = {
  summary: 'build the SQL models and checks for --as-of (default now), publish mart snapshots',
  options: COMMON_OPTIONS,
  run: (options) => runStages(options as CommonOptions, 'transform', ['transform']),
};

export const runCommand: Command = {
  summary: 'ingest, then transform (--publish: then build the site)',
  options: { ...COMMON_OPTIONS, publish: { type: 'boolean' } },
  run: (options) => runStages(options as CommonOptions, 'run', options.publish ? ['ingest', 'transform', 'publish'] : ['ingest', 'transform']),
};

const snapshotDirFor = (context: Context) => join(dirname(context.dbPath), 'published');

/**
 * Builds the site under the warehouse's writer lock (the one a run already
 * holds, or its own): a second publish (or a job) on the same warehouse waits
 * with --wait or exits 1 naming the holder, and no transform swaps the
 * snapshots while the loaders read them.
 */
async function publishHoldingLock(context: Context, options: CommonOptions, held?: Lock): Promise<void> {
  const lock = held ?? (await acquireWriterLock(context.dbPath, 'publish', { wait: options.wait }));
  try {
    await removeStaleSnapshotSets(snapshotDirFor(context));
    const siteDir = resolve('dist');
    const outcome = await publishSite({
      snapshotDir: snapshotDirFor(context),
      siteDir,
      minCellSize: context.config.min_cell_size,
      // Framework's source root and loader cache: one per warehouse.
      sourceRoot: `${context.dbPath}.site`,
    });
    result('publish.done', `publish: ${outcome.pages} pages built into ${siteDir} in ${outcome.seconds.toFixed(1)}s`);
  } finally {
    await lock.release();
  }
}

export const publishCommand: Command = {
  summary: 'build the dashboard site into dist/ from the published marts',
  options: COMMON_OPTIONS,
  async run(options) {
    await publishHoldingLock(await createContext(options as CommonOptions), options as CommonOptions);
    return 0;
  },
};
