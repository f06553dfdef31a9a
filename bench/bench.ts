// `npm run bench [-- --referrals N]`: refloop against the floor it cannot
// beat, on the same files, in one run. Not a test: it prints measurements.
//
// 1. The demo generator writes a practice of N referrals (default 1,000,000).
// 2. The last day's rows are cut out of the monthly files into day extracts,
//    to be added later as the incremental day.
// 3. Each phase runs as its own process under GNU time (wall time, peak RSS):
//    the floor (a bare DuckDB read_csv of each file, declared types, into a
//    table, nothing else), `refloop ingest`, `transform`, `publish`, the
//    incremental day (`refloop ingest` of the day's files on the loaded
//    warehouse; five runs from a copy of it, the median counts), and an
//    ingest with nothing new (what any run costs).
// 4. The same practice as an Epic EHI delivery and as a FHIR bulk export
//    (`demo --as`), each ingested through its adapter beside the canonical
//    ingest (`--no-adapters` leaves them out; `--reuse-deliveries` ingests
//    the deliveries an earlier run left in --dir instead of writing them
//    again).
// 5. Ratios last: ingest / floor, (ingest + transform) / floor, the
//    incremental day as a share of the full ingest, each adapter's ingest
//    against the canonical one; in wall time and, since the machine may be
//    shared, in CPU time too.
// 6. Where each ingest's time went, per phase (src/ingest/profile.ts: the
//    ingest writes its phases to REFLOOP_PROFILE): wall seconds and share of
//    the process's wall time. Phases that run beside others (the scan while
//    a batch loads) overlap, so shares may sum past 100%.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_DEMO } from '../src/demo/practice.ts';
import type { Profile } from '../src/ingest/profile.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/refloop.js');
const { values } = parseArgs({
  options: {
    referrals: { type: 'string', default: '1000000' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
    'no-adapters': { type: 'boolean' },
    'reuse-deliveries': { type: 'boolean' },
  },
});
const referrals = Number(values.referrals);
const dir = resolve(values.dir ?? `/tmp/refloop-bench-${referrals}`);
const inbox = join(dir, 'data/inbox');
const dayInbox = join(dir, 'day');
const env: NodeJS.ProcessEnv = { ...process.env, REFLOOP_LOG: 'silent', REFLOOP_PSEUDONYM_KEY: 'bench-key-of-at-least-thirty-two-bytes-long' };

interface Measure {
  phase: string;
  seconds: number;
  /** User + system CPU of the phase's process, all its threads. */
  cpuSeconds: number;
  peakMb: number;
  /** The machine's 1-minute load average when the phase ended: on a shared machine, what the wall times were measured under. */
  load: number;
  /** Per phase, for the ingests (profile.ts). */
  profile?: Profile;
}
const results: Measure[] = [];

/** Runs one phase in its own process under GNU time: wall time and peak resident memory. */
function timed(phase: string, args: string[], cwd = dir): Measure {
  process.stderr.write(`bench: ${phase}…\n`);
  const profilePath = args[1] === 'ingest' ? join(dir, `profile-${results.length}.json`) : undefined;
  const phaseEnv = profilePath ? { ...env, REFLOOP_PROFILE: profilePath } : env;
  const child = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M %U %S', process.execPath, ...args], { cwd, env: phaseEnv, encoding: 'utf8', maxBuffer: 1 << 26 });
  const match = /BENCH ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(child.stderr ?? '');
  if (!match) throw new Error(`${phase} did not run: ${child.stderr}`);
  // A non-zero exit (a refused file) still ran every file it could: keep the measurement, say so.
  if (child.status !== 0) process.stderr.write(`bench: ${phase} exited ${child.status}: ${(child.stderr ?? '').replace(/BENCH .*/, '').trim().split('\n').at(-1)}\n`);
  const profile = profilePath && existsSync(profilePath) ? (JSON.parse(readFileSync(profilePath, 'utf8')) as Profile) : undefined;
  const result = {
    phase,
    seconds: Number(match[1]),
    // The staging process that outlives its parent is not in GNU time's count: the profile has its CPU.
    cpuSeconds: Number(match[3]) + Number(match[4]) + (profile?.unreapedChildCpuSeconds ?? 0),
    peakMb: Math.round(Number(match[2]) / 1024),
    load: loadavg()[0]!,
    ...(profile ? { profile } : {}),
  };
  results.push(result);
  process.stderr.write(`bench: ${phase}: ${result.seconds.toFixed(1)} s (CPU ${result.cpuSeconds.toFixed(1)} s, load ${result.load.toFixed(1)}), peak ${result.peakMb} MB\n`);
  return result;
}

const ratio = (a: Measure, b: Measure) => `${(a.seconds / b.seconds).toFixed(2)}, CPU ${(a.cpuSeconds / b.cpuSeconds).toFixed(2)}`;

/** Where one ingest's time went: its phases, longest first, as seconds and share of the process's wall time. */
function profileLines(measure: Measure): string[] {
  const profile = measure.profile!;
  const phases = [...profile.phases].sort((a, b) => b.seconds - a.seconds);
  return [
    '',
    `${measure.phase}: where the time went (${profile.wallSeconds.toFixed(1)} s wall; CPU ${profile.cpuSeconds.toFixed(1)} s in the job's process, ${profile.unreapedChildCpuSeconds.toFixed(1)} s in the staging process it left; phases beside each other overlap, and so does their CPU)`,
    '',
    '| phase | wall (s) | share of wall | CPU while it ran (s) | of which staging process (s) | times |',
    '|---|---:|---:|---:|---:|---:|',
    ...phases.map(
      (p) => `| ${p.phase} | ${p.seconds.toFixed(2)} | ${((100 * p.seconds) / profile.wallSeconds).toFixed(0)}% | ${p.cpuSeconds.toFixed(2)} | ${p.stagingCpuSeconds.toFixed(2)} | ${p.count} |`,
    ),
  ];
}

async function cutLastDay(): Promise<void> {
  // The incremental day is the demo's last day, cut out of its monthly files.
  await mkdir(dayInbox, { recursive: true });
  const files = (await readdir(inbox)).filter((f) => /^(referrals|referral_events|appointments|visits)_\d{4}-\d{2}\.csv(\.gz)?$/.test(f)).sort();
  const lastMonth = files.map((f) => /_(\d{4}-\d{2})\./.exec(f)![1]!).sort().pop()!;
  const day = DEFAULT_DEMO.end;
  const [year, month, dom] = day.split('-');
  const usDay = `${month}/${dom}/${year}`;
  for (const file of files.filter((f) => f.includes(lastMonth))) {
    const gz = file.endsWith('.gz');
    const text = gz ? gunzipSync(await readFile(join(inbox, file))).toString('utf8') : await readFile(join(inbox, file), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\n');
    const isDay = (line: string) => line.includes(`,${day} `) || line.includes(`,${usDay} `);
    const kept = lines.filter((l) => !isDay(l));
    const moved = lines.filter(isDay);
    const body = (rows: string[]) => `${[header, ...rows].join('\n')}\n`;
    await writeFile(join(inbox, file), gz ? gzipSync(body(kept)) : body(kept));
    const dayName = file.replace(lastMonth, `${day}`);
    await writeFile(join(dayInbox, dayName), gz ? gzipSync(body(moved)) : body(moved));
  }
}

async function floorScript(): Promise<string> {
  // A bare typed load per file: the same declared columns and formats the
  // contract implies, DuckDB's own casts, bad rows skipped, nothing else.
  const path = join(dir, 'floor.mjs');
  await writeFile(
    path,
    `import { DuckDBInstance } from ${JSON.stringify(join(ROOT, 'node_modules/@duckdb/node-api/lib/index.js'))};
import { readdirSync, rmSync } from 'node:fs';
const inbox = ${JSON.stringify(inbox)};
rmSync(${JSON.stringify(join(dir, 'floor.duckdb'))}, { force: true });
const db = await DuckDBInstance.create(${JSON.stringify(join(dir, 'floor.duckdb'))});
const c = await db.connect();
const T = 'TIMESTAMP', V = 'VARCHAR', D = 'DATE', I = 'INTEGER';
const kinds = {
  referral_events: [{referral_id: V, event_type: V, event_at: T, detail: V}, {}],
  referrals: [{referral_id: V, received_at: T, patient_id: V, patient_name: V, patient_phone: V, patient_birth_date: D, patient_zip: V, patient_sex: V, referring_npi: V, referring_name: V, referring_practice: V, service_line: V, referral_type: V, urgency: V, channel: V, reason_code: V, payer_type: V, documents: V}, {}],
  appointments: [{appointment_id: V, referral_id: V, patient_id: V, service_line: V, appointment_type: V, booked_at: T, start_at: T, status: V}, {timestampformat: "'%m/%d/%Y %H:%M'"}],
  visits: [{visit_id: V, appointment_id: V, patient_id: V, service_line: V, visit_at: T, summary_sent_at: T}, {}],
  providers: [{npi: V, name: V, specialty: V, practice: V, organization: V, zip: V, relationship: V, liaison: V}, {}],
  capacity: [{service_line: V, week_start: D, new_patient_slots: I}, {}],
  liaison_activities: [{activity_id: V, at: T, liaison: V, npi: V, type: V, note: V}, {}],
};
let n = 0;
for (const file of readdirSync(inbox).filter((f) => /\\.csv(\\.gz)?$/.test(f)).sort()) {
  const kind = Object.keys(kinds).find((k) => file.startsWith(k + '_'));
  // A kind the floor does not read would make it cheaper than it is.
  if (!kind) throw new Error('the floor has no columns for ' + file);
  const [columns, options] = kinds[kind];
  const cols = '{' + Object.entries(columns).map(([k, t]) => "'" + k + "': '" + t + "'").join(', ') + '}';
  const opts = Object.entries(options).map(([k, v]) => ', ' + k + ' = ' + v).join('');
  await c.run('CREATE OR REPLACE TABLE "f' + (n++) + '" AS SELECT * FROM read_csv(' + "'" + inbox + '/' + file + "'" + ', columns = ' + cols + ', header = true, auto_detect = false, ignore_errors = true' + opts + ')');
}
await c.run('CHECKPOINT');
c.closeSync(); db.closeSync();
`,
  );
  return path;
}

const SHAPES = ['epic-ehi', 'fhir-r4'] as const;

/** Empties the bench folder; with --reuse-deliveries, keeps the vendor deliveries a previous run generated (a 1M FHIR export takes long to write) but not their warehouses. */
async function clearDir(): Promise<void> {
  if (values.keep) return;
  if (!values['reuse-deliveries']) return rm(dir, { recursive: true, force: true });
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (!(SHAPES as readonly string[]).includes(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }
  for (const shape of SHAPES) {
    for (const entry of await readdir(join(dir, shape, 'data')).catch(() => [] as string[])) {
      if (entry !== 'inbox') await rm(join(dir, shape, 'data', entry), { recursive: true, force: true });
    }
  }
}

/**
 * The incremental day is one run of about a second, which a single sample
 * places within ±10% (the machine's noise): it runs DAY_RUNS times, each on
 * the warehouse as it was before the day (a copy), and the median counts.
 * The last run's warehouse stays, with the day loaded once.
 */
const DAY_RUNS = 5;

async function incrementalDay(): Promise<{ median: Measure; runs: Measure[] }> {
  const db = join(dir, 'data/warehouse.duckdb');
  const before = join(dir, 'warehouse-before-the-day.duckdb');
  // Each copy is flushed to disk before a run: 400 MB of dirty pages being written back
  // had slowed the day's start by 0.3 s (wall, not CPU).
  const copy = async (from: string, to: string) => {
    await copyFile(from, to);
    spawnSync('sync');
  };
  await copy(db, before);
  const runs: Measure[] = [];
  try {
    for (let run = 1; run <= DAY_RUNS; run++) {
      if (run > 1) {
        // A closed warehouse has no WAL; one left by a run must not be replayed into the copy.
        await rm(`${db}.wal`, { force: true });
        await copy(before, db);
      }
      runs.push(timed(`incremental day (ingest), run ${run} of ${DAY_RUNS}`, [BIN, 'ingest']));
    }
  } finally {
    await rm(before, { force: true });
  }
  const median = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(DAY_RUNS / 2)]!;
  // One day's phases are printed: the median run's.
  for (const run of runs) if (run !== median) delete run.profile;
  return { median, runs };
}

async function main() {
  await clearDir();
  await mkdir(dir, { recursive: true });
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  timed('generate demo', [BIN, 'demo', '--referrals', String(referrals)]);
  // The demo's files are complete when the generator exits: no settling wait.
  env.REFLOOP_SETTLE_SECONDS = '0';
  await cutLastDay();
  const floor = timed('floor (bare read_csv, declared types)', [await floorScript()]);
  const ingest = timed('refloop ingest', [BIN, 'ingest']);
  // As of the start of the cut day, then (after the day is added) the day after.
  const transform = timed('refloop transform', [BIN, 'transform', '--as-of', DEFAULT_DEMO.end]);
  const publish = timed('refloop publish', [BIN, 'publish']);
  for (const f of await readdir(dayInbox)) await rename(join(dayInbox, f), join(inbox, f));
  const { median: day, runs: dayRuns } = await incrementalDay();
  // What any run costs before it reads a byte: process start, opening the warehouse, the final checkpoint.
  const idle = timed('a run with nothing new (ingest)', [BIN, 'ingest']);
  const nextDay = new Date(Date.parse(`${DEFAULT_DEMO.end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const dayTransform = timed('incremental day (transform)', [BIN, 'transform', '--as-of', nextDay]);
  const adapters: { shape: string; ingest: Measure }[] = [];
  if (!values['no-adapters']) {
    for (const shape of SHAPES) {
      // Its own folder, config and warehouse: the same practice (same seed) in the vendor's shape.
      const shapeDir = join(dir, shape);
      await mkdir(shapeDir, { recursive: true });
      const generated = values['reuse-deliveries'] && (await readdir(join(shapeDir, 'data', 'inbox')).catch(() => [])).length > 0;
      if (generated) process.stderr.write(`bench: reusing the ${shape} delivery in ${shapeDir}\n`);
      else timed(`generate demo as ${shape}`, [BIN, 'demo', '--as', shape, '--referrals', String(referrals)], shapeDir);
      adapters.push({ shape, ingest: timed(`refloop ingest of the ${shape} delivery`, [BIN, 'ingest', '--settle-seconds', '0'], shapeDir) });
    }
  }
  const lines = [
    '',
    `refloop benchmark: ${referrals.toLocaleString('en-US')} referrals on ${machine}`,
    '',
    '| phase | wall time (s) | CPU time (s) | peak memory (MB) | load after |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.phase} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${r.peakMb.toLocaleString('en-US')} | ${r.load.toFixed(1)} |`),
    '',
    // Wall, then CPU (user + system, every process of the phase): on a shared machine the CPU ratio is the steadier one.
    `ingest / floor: ${ratio(ingest, floor)} (target ≤ 1.25)`,
    `(ingest + transform) / floor: ${((ingest.seconds + transform.seconds) / floor.seconds).toFixed(2)}, CPU ${((ingest.cpuSeconds + transform.cpuSeconds) / floor.cpuSeconds).toFixed(2)} (target ≤ 2.0)`,
    `ingest wall / CPU: ${(ingest.seconds / ingest.cpuSeconds).toFixed(2)} (floor ${(floor.seconds / floor.cpuSeconds).toFixed(2)})`,
    `incremental day / full ingest: ${((100 * day.seconds) / ingest.seconds).toFixed(1)}% (target ≤ 2%; the median of ${dayRuns.length} runs, ${dayRuns.map((r) => r.seconds.toFixed(2)).join(', ')} s); beyond a run with nothing new: ${((100 * (day.seconds - idle.seconds)) / ingest.seconds).toFixed(1)}%; its transform ${dayTransform.seconds.toFixed(1)} s`,
    `publish: ${publish.seconds.toFixed(1)} s (target ≤ 30 s)`,
    ...adapters.map((a) => `${a.shape} ingest / canonical ingest: ${ratio(a.ingest, ingest)} (target ≤ 1.5)`),
    ...results.filter((r) => r.profile).flatMap((r) => profileLines(r)),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
