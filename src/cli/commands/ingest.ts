// `refloop ingest` and `refloop run`: load the inbox, then (for run) every
// later stage that exists. One summary line at the end; non-zero when any
// file was refused.
import { ingestInbox, summaryLine } from '../../../pipelines/ingest.ts';
import { log } from '../../log.ts';
import { finishRun, startRun } from '../../warehouse/runs.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForWriting } from '../context.ts';

async function ingest(options: CommonOptions, job: string): Promise<number> {
  const context = await createContext(options);
  const warehouse = await openForWriting(context);
  try {
    const runId = await startRun(warehouse, job);
    try {
      const summary = await ingestInbox(warehouse, context.config, context.inboxDir, runId);
      const error = summary.refused.length
        ? `${summary.refused.length} file${summary.refused.length === 1 ? '' : 's'} refused: ${summary.refused.map((r) => r.file).join(', ')}`
        : undefined;
      await finishRun(
        warehouse,
        runId,
        {
          files: summary.filesLoaded,
          filesRefused: summary.refused.length,
          rowsRead: summary.rowsRead,
          rowsLoaded: summary.rowsLoaded,
          rowsQuarantined: summary.rowsQuarantined,
        },
        error,
      );
      log('ingest.summary', summaryLine(summary), { run_id: runId, ...summary, refused: summary.refused.length });
      process.stdout.write(`${summaryLine(summary)}\n`);
      if (error) process.stderr.write(`refloop ${job}: ${error} (see the messages above)\n`);
      return error ? 1 : 0;
    } catch (error) {
      await finishRun(warehouse, runId, {}, (error as Error).message.split('\n')[0]);
      throw error;
    }
  } finally {
    await warehouse.close();
  }
}

export const ingestCommand: Command = {
  summary: 'load new inbox files into the warehouse',
  options: COMMON_OPTIONS,
  run: (options) => ingest(options as CommonOptions, 'ingest'),
};

export const runCommand: Command = {
  summary: 'ingest, then every later stage',
  options: { ...COMMON_OPTIONS, publish: { type: 'boolean' } },
  run: (options) => ingest(options as CommonOptions, 'run'),
};
