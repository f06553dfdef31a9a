// The publish job: builds the dashboard site from the published snapshots.
// The job lives in src/jobs/publish.ts, so the library never imports its jobs:
// this entry point imports src, never the other way round.
export * from '../src/jobs/publish.ts';
