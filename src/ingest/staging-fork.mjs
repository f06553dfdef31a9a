// Starts a staging process (staging-worker.mjs). Plain JavaScript, so that
// bin/refloop.js can start one for a command that ingests before the
// command's own code loads (staging-instance.ts then adopts it): the process
// takes a quarter of a second to load Node and DuckDB, on the other core,
// and a small run's first batch had waited for it.
import { fork } from 'node:child_process';
import { KEY_ENV } from '../privacy/key-env.mjs';

/**
 * @param {string} worker the staging worker's file: build/staging-worker.mjs (bundled) or src/ingest/staging-worker.mjs
 * @returns {import('node:child_process').ChildProcess}
 */
export function forkStagingProcess(worker) {
  return fork(worker, [], {
    execArgv: [],
    // The key reaches the process in a message, not in its environment.
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== KEY_ENV)),
    // It writes nothing: its errors come back as replies.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
}
