// `refloop demo`: writes a demo practice's extracts into the inbox.
// The job lives in src/jobs/demo.ts, so the library never imports its jobs:
// this entry point imports src, never the other way round.
export * from '../src/jobs/demo.ts';
