// The ingest job: loads what is new in the inbox.
// The job lives in src/jobs/ingest.ts, so the library never imports its jobs:
// this entry point imports src, never the other way round.
export * from '../src/jobs/ingest.ts';
