// `node --import tsx bench/adapter-phases.ts --dir DIR [--adapter-only]`: where
// an adapter delivery's ingest time goes. DIR is a practice folder as
// `refloop demo --as epic-ehi|fhir-r4` writes it (refloop.config.json,
// data/inbox). Not a test: it prints measurements.
//
// The ingest of each delivery runs in this process against a fresh
// warehouse in DIR/phases/, and every progress stage the delivery reports
// (hashing, each adapter stage, the load of each canonical kind) is timed
// from the moment it starts to the next one. With --adapter-only, only the
// adapter runs (canonical files written to DIR/phases/work, then removed),
// which is what `node --cpu-prof` should profile. CPU is given for the
// process (all threads) and for the main thread alone: the adapters read
// part of a big delivery in worker threads.
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import { discover } from '../src/ingest/discover.ts';
import { knownDeliveries, loadDelivery } from '../src/ingest/load-delivery.ts';
import { closeWorkDir, openWorkDir } from '../src/ingest/work-dir.ts';
import { adapterContext } from '../src/sources/context.ts';
import { CanonicalEmitter } from '../src/sources/emitter.ts';
import type { SourceAdapter } from '../src/sources/adapter.ts';
import { adapterFor } from '../src/sources/registry.ts';
import { openWarehouse } from '../src/warehouse/warehouse.ts';

const { values } = parseArgs({ options: { dir: { type: 'string' }, 'adapter-only': { type: 'boolean' } } });
if (!values.dir) throw new Error('--dir is required');
const dir = resolve(values.dir);
const config = await loadConfig(join(dir, 'refloop.config.json'));
const out = join(dir, 'phases');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const workDir = join(out, 'work');
await openWorkDir(workDir);

/**
 * Intervals between events (a progress stage starting, an adapter finishing
 * a file, the adapter returning), each named "previous event → this event",
 * with wall and CPU seconds: the machine may be shared, and CPU time is what
 * this process spent.
 */
const intervals: { name: string; wall: number; cpu: number; main: number }[] = [];
let last = { event: 'start', at: performance.now(), cpu: process.cpuUsage(), main: mainThreadCpu() };
function mark(event: string) {
  if (event === last.event) return;
  const now = performance.now();
  const cpu = process.cpuUsage(last.cpu);
  const main = mainThreadCpu();
  intervals.push({ name: `${last.event} → ${event}`, wall: (now - last.at) / 1000, cpu: (cpu.user + cpu.system) / 1e6, main: main - last.main });
  last = { event, at: now, cpu: process.cpuUsage(), main };
}

/** CPU seconds of the main thread alone (Linux; NaN elsewhere): the worker threads' time is in the process's total. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
const onProgress = (stage: string) => mark(stage.replace(/ \d+%$/, ''));
function finish(label: string) {
  mark('end');
  const sum = (pick: (i: (typeof intervals)[number]) => number) => intervals.reduce((n, i) => n + pick(i), 0);
  process.stdout.write(
    `\n${label}: ${sum((i) => i.wall).toFixed(1)} s wall, ${sum((i) => i.cpu).toFixed(1)} s CPU (main thread ${sum((i) => i.main).toFixed(1)} s), peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB, load ${loadavg()[0]!.toFixed(1)}\n`,
  );
  process.stdout.write('     wall      CPU     main\n');
  for (const i of intervals) process.stdout.write(`  ${i.wall.toFixed(2).padStart(7)}  ${i.cpu.toFixed(2).padStart(7)}  ${i.main.toFixed(2).padStart(7)}  ${i.name}\n`);
  intervals.length = 0;
}

/** The adapter, reporting each raw file it finishes and its own return as events. */
function timedAdapter(adapter: SourceAdapter): SourceAdapter {
  return {
    ...adapter,
    read: async (delivery, context, output) => {
      const read = output.read.bind(output);
      output.read = (file, rows) => {
        read(file, rows);
        mark(`read ${file}`);
      };
      await adapter.read(delivery, context, output);
      mark('adapter returned');
    },
  };
}

const warehouse = await openWarehouse({ path: join(out, 'warehouse.duckdb'), timezone: config.timezone, pseudonymKey: Buffer.from('bench-key-of-at-least-thirty-two-bytes-long') });
try {
  const found = await discover(config, join(dir, 'data/inbox'), adapterFor);
  for (const foundUnit of found.deliveries) {
    const unit = { ...foundUnit, adapter: timedAdapter(foundUnit.adapter) };
    mark('opened');
    if (values['adapter-only']) {
      const emitter = new CanonicalEmitter(workDir, unit.label, onProgress);
      await unit.adapter.read(unit.delivery, adapterContext(config, unit.source, unit.adapter, warehouse), emitter);
      const files = emitter.close();
      mark('canonical files closed');
      finish(`${unit.label} (adapter only; ${files.map((f) => `${f.kind} ${f.rows}`).join(', ')})`);
    } else {
      const outcome = await loadDelivery(warehouse, config, unit, 1, { workDir, known: await knownDeliveries(warehouse), onProgress });
      finish(`${unit.label} (${outcome.status}${outcome.status === 'refused' ? `: ${outcome.reason}` : ''})`);
    }
  }
} finally {
  await warehouse.close();
  await closeWorkDir(workDir);
}
