// `node --import tsx bench/adapter-equality.ts --dir DIR`: reads the delivery
// of a practice folder written by `refloop demo --as epic-ehi|fhir-r4` twice,
// all in one thread and then as a big delivery is read (worker threads),
// and checks that the canonical files are byte for byte the same and that
// every raw file is accounted for alike. Not a test: real-size deliveries.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import { discover } from '../src/ingest/discover.ts';
import { readingContext } from '../src/sources/context.ts';
import { CanonicalEmitter } from '../src/sources/emitter.ts';
import { readEpicDelivery } from '../src/sources/epic-ehi/index.ts';
import { readFhirDelivery } from '../src/sources/fhir-r4/index.ts';
import { adapterFor } from '../src/sources/registry.ts';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
if (!values.dir) throw new Error('--dir is required');
const dir = resolve(values.dir);
const config = await loadConfig(join(dir, 'refloop.config.json'));
const out = join(dir, 'equality');
await rm(out, { recursive: true, force: true });
const found = await discover(config, join(dir, 'data/inbox'), adapterFor);
let failed = false;
for (const unit of found.deliveries) {
  const context = readingContext(config, unit.source, unit.adapter);
  const summaries: string[] = [];
  for (const threads of [false, true]) {
    const folder = join(out, threads ? 'threads' : 'one-thread');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const emitter = new CanonicalEmitter(folder, unit.label);
    const started = performance.now();
    if (unit.adapter.name === 'epic-ehi') await readEpicDelivery(unit.delivery, context, emitter, { encountersApart: threads });
    else await readFhirDelivery(unit.delivery, context, emitter, threads ? { ownWorker: true } : { ownWorker: false, workers: 0 });
    const files = emitter
      .close()
      .map((f) => `${f.kind} ${f.rows} ${createHash('sha256').update(readFileSync(f.path)).digest('hex')}`)
      .sort();
    const tallies = [...emitter.tallies.values()]
      .map((t) => `${t.file} read ${t.read} emitted ${t.emitted.size} skipped ${JSON.stringify([...t.skipped])} quarantined ${t.quarantined.length} issues ${JSON.stringify([...t.issues.values()])}`)
      .sort();
    const contributions = createHash('sha256').update(JSON.stringify(emitter.contributions)).digest('hex');
    summaries.push([...files, ...tallies, `contributions ${contributions}`].join('\n'));
    process.stdout.write(`${unit.label} ${threads ? 'with worker threads' : 'in one thread'}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const same = summaries[0] === summaries[1];
  failed ||= !same;
  process.stdout.write(`${unit.label}: ${same ? 'the same canonical bytes and accounting' : 'DIFFERENT'}\n${summaries[0]}\n`);
  if (!same) process.stdout.write(`--- with threads:\n${summaries[1]}\n`);
}
await rm(out, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
