// `refloop schedule`: the jobs on the config's cron expressions until stopped.
import { runScheduler } from '../../jobs/schedule.ts';
import { result } from '../../log.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { digestFor } from './digest.ts';
import { runStages } from './jobs.ts';

export const scheduleCommand: Command = {
  summary: 'run ingest/transform and publish on the config’s cron schedule, catching up missed runs, until stopped',
  options: COMMON_OPTIONS,
  async run(options) {
    const common = options as CommonOptions;
    const context = await createContext(common);
    await runScheduler({
      config: context.config,
      now: () => new Date(),
      async lastSuccess(job) {
        try {
          const warehouse = await openForReading(context);
          try {
            const [row] = await warehouse.query<{ at: number | null }>(
              `SELECT epoch_ms(max(started_at))::DOUBLE AS at FROM runs WHERE job = '${job}' AND status = 'succeeded'`,
            );
            return row?.at ? new Date(row.at) : undefined;
          } finally {
            await warehouse.close();
          }
        } catch {
          return undefined; // no warehouse yet: every job is due
        }
      },
      execute: (job, trigger) =>
        job === 'run' ? runStages({ ...common, wait: true }, 'run', ['ingest', 'transform'], trigger) : runStages({ ...common, wait: true }, 'publish', ['transform', 'publish'], trigger),
      // The week just ended, from the numbers just published (their as_of is the publish's now).
      async digest() {
        const written = await digestFor(context, {});
        result('schedule.digest', `schedule: weekly digest of ${written.week} written: ${written.pdf} (${written.pages} pages)`, { week: written.week, pages: written.pages });
      },
    });
    return 0;
  },
};
