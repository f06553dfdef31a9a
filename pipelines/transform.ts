// The transform job: builds the models, the forecast and the checks.
// The job lives in src/jobs/transform.ts, so the library never imports its jobs:
// this entry point imports src, never the other way round.
export * from '../src/jobs/transform.ts';
