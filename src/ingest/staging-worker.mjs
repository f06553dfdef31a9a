// The staging process (started by staging-instance.ts, which defines the
// messages): one in-memory DuckDB that runs the SQL its parent sends and
// answers with rows (counts, lines, reasons: never a raw value of a PHI
// column) or the error's message. Plain JavaScript that loads nothing but
// DuckDB, so it starts in the time Node and DuckDB take (a TypeScript loader
// would double that); its settings and macros come in the first message.
import { DuckDBInstance } from '@duckdb/node-api';

// Every file this process makes (DuckDB's spill files, the rows it hands to
// the warehouse) is its user's alone: DuckDB would otherwise follow the
// umask (0644).
process.umask(0o077);

/** @type {import('@duckdb/node-api').DuckDBInstance | undefined} */
let instance;
/**
 * An empty instance made ahead of the job's 'open' (as the process starts,
 * and again when a job closes its own), so DuckDB's start is not on the
 * first batch's path; 'open' gives it the job's settings. A failure shows
 * at 'open', which then makes its own.
 * @type {Promise<import('@duckdb/node-api').DuckDBInstance | undefined> | undefined}
 */
let spare = makeSpare();

function makeSpare() {
  return DuckDBInstance.create(':memory:').catch(() => undefined);
}
/** @type {import('@duckdb/node-api').DuckDBConnection | undefined} */
let connection;

// A stop asked of the job (Ctrl-C reaches the whole process group, SIGTERM a
// service's) is the parent's to handle: it finishes the batch in hand, which
// needs this process, then closes it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// The parent is gone (killed, or done while this process waited between
// jobs): stop at once, in the middle of a query if need be. The spill files
// left behind lie in the work folder, which the next job empties.
process.on('disconnect', () => (connection ? process.kill(process.pid, 'SIGKILL') : process.exit(0)));

// One request at a time, in order: a DuckDB connection runs one query at once.
let queue = Promise.resolve();
process.on('message', (request) => {
  queue = queue.then(() => handle(request));
});

async function handle(request) {
  let reply;
  try {
    reply = { id: request.id, ...(await answer(request)) };
  } catch (error) {
    reply = { id: request.id, error: String(error?.message ?? error) };
  }
  // The process's CPU so far, for the job's profile (profile.ts): a number, nothing of the data.
  const cpu = process.cpuUsage();
  reply.cpuMs = (cpu.user + cpu.system) / 1000;
  // Asked to exit: the reply is the last message, then the channel (which ends the process).
  process.send?.(reply, () => {
    if (request.op === 'exit') process.disconnect?.();
  });
}

function closeInstance() {
  connection?.closeSync();
  instance?.closeSync();
  connection = undefined;
  instance = undefined;
}

async function answer(request) {
  switch (request.op) {
    case 'open': {
      // A new job (the process waits between the jobs of one parent): a new instance.
      closeInstance();
      const made = await spare;
      spare = undefined;
      instance = made ?? (await DuckDBInstance.create(':memory:'));
      connection = await instance.connect();
      for (const [name, value] of Object.entries(request.config)) await connection.run(`SET ${name} = '${String(value).replaceAll("'", "''")}'`);
      for (const statement of request.setup) await connection.run(statement);
      return {};
    }
    case 'run':
      await open().run(request.sql);
      return {};
    case 'query':
      return { rows: (await open().runAndReadAll(request.sql)).getRowObjectsJson() };
    case 'close':
      closeInstance();
      spare ??= makeSpare();
      return {};
    case 'exit':
      closeInstance();
      return {};
    default:
      throw new Error(`the staging process has no operation ${String(request.op)}`);
  }
}

function open() {
  if (!connection) throw new Error('the staging instance is not open');
  return connection;
}
