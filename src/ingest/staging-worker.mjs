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
/**
 * The job's connections, one per lane (a request names its lane; 0 when it
 * names none). Each connection runs one query at once, so the requests of a
 * lane run one at a time, in order; lanes run beside each other, which lets
 * a day's small batches of different kinds be staged at once. Every lane
 * holds the job's setup (the macros are TEMP, so per connection) and its own
 * temp tables (a batch's staged rows, its rejects, the run's pseudonyms).
 * @type {Map<number, Promise<import('@duckdb/node-api').DuckDBConnection>>}
 */
const lanes = new Map();
/** The job's setup statements, run on each lane's connection as it opens. @type {string[]} */
let setup = [];
/** Whether a job's instance is open (a query runs on some lane). */
let busy = false;

// A stop asked of the job (Ctrl-C reaches the whole process group, SIGTERM a
// service's) is the parent's to handle: it finishes the batch in hand, which
// needs this process, then closes it.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// The parent is gone (killed, or done while this process waited between
// jobs): stop at once, in the middle of a query if need be. The spill files
// left behind lie in the work folder, which the next job empties.
process.on('disconnect', () => (busy ? process.kill(process.pid, 'SIGKILL') : process.exit(0)));

// One request at a time per lane, in order; 'open', 'close' and 'exit' wait
// for every lane's requests before them, and the lanes' requests after them
// wait for them.
/** @type {Map<number, Promise<void>>} */
const queues = new Map();
let barrier = Promise.resolve();
process.on('message', (request) => {
  if (request.op === 'run' || request.op === 'query') {
    const lane = request.lane ?? 0;
    const queued = (queues.get(lane) ?? barrier).then(() => handle(request));
    queues.set(lane, queued);
  } else {
    const before = [barrier, ...queues.values()];
    queues.clear();
    barrier = Promise.all(before).then(() => handle(request));
  }
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

async function closeInstance() {
  for (const opening of lanes.values()) (await opening.catch(() => undefined))?.closeSync();
  lanes.clear();
  // The setup holds the pseudonym key (its macro): nothing of a job stays for the next.
  setup = [];
  instance?.closeSync();
  instance = undefined;
  busy = false;
}

/** A lane's connection, opened with the job's setup the first time the lane is asked for. */
function lane(number = 0) {
  if (!instance) throw new Error('the staging instance is not open');
  let opening = lanes.get(number);
  if (!opening) {
    const made = connectWithSetup(instance);
    // A lane that could not open (out of memory, say) fails the request in hand and is opened again for the next.
    made.catch(() => lanes.get(number) === made && lanes.delete(number));
    lanes.set(number, made);
    opening = made;
  }
  return opening;
}

/** A connection of `of` that has run `first`, then the job's setup; closed if either fails. */
async function connectWithSetup(of, first = []) {
  const connection = await of.connect();
  try {
    for (const statement of [...first, ...setup]) await connection.run(statement);
  } catch (error) {
    connection.closeSync();
    throw error;
  }
  return connection;
}

async function answer(request) {
  switch (request.op) {
    case 'open': {
      // A new job (the process waits between the jobs of one parent): a new instance.
      await closeInstance();
      const made = await spare;
      spare = undefined;
      instance = made ?? (await DuckDBInstance.create(':memory:'));
      busy = true;
      setup = request.setup;
      // The instance's settings (memory limit, spill folder) once, before lane 0's setup.
      const settings = Object.entries(request.config).map(([name, value]) => `SET ${name} = '${String(value).replaceAll("'", "''")}'`);
      const first = connectWithSetup(instance, settings);
      lanes.set(0, first);
      await first;
      // The other lanes open now, beside the job's first batch, rather than when a batch waits for one.
      for (let number = 1; number < (request.lanes ?? 1); number++) lane(number).catch(() => undefined);
      return {};
    }
    case 'run':
      await (await lane(request.lane)).run(request.sql);
      return {};
    case 'query':
      return { rows: (await (await lane(request.lane)).runAndReadAll(request.sql)).getRowObjectsJson() };
    case 'close':
      await closeInstance();
      spare ??= makeSpare();
      return {};
    case 'exit':
      await closeInstance();
      return {};
    default:
      throw new Error(`the staging process has no operation ${String(request.op)}`);
  }
}
