// `refloop schedule`: runs the jobs on the config's cron expressions.
// The job lives in src/jobs/schedule.ts, so the library never imports its jobs:
// this entry point imports src, never the other way round.
export * from '../src/jobs/schedule.ts';
