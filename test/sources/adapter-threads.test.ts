// A big delivery is read partly in worker threads (src/sources/parallel.ts):
// the FHIR adapter reads a big export in a worker of its own, parses NDJSON
// in further workers and reads the second pass from what they kept; the
// Epic adapter reads PAT_ENC in a worker. Either way the
// canonical files, and the accounting of every raw row, must be exactly
// those of a read in one thread. Small batches put line breaks, CRLF, a BOM,
// blank and broken lines, and lines longer than a batch at batch edges.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { Delivery } from '../../src/sources/adapter.ts';
import { readingContext } from '../../src/sources/context.ts';
import { CanonicalEmitter, type EmitterPart } from '../../src/sources/emitter.ts';
import { epicEhiAdapter, readEpicDelivery } from '../../src/sources/epic-ehi/index.ts';
import { fhirR4Adapter, readFhirDelivery } from '../../src/sources/fhir-r4/index.ts';
import { readDelivery } from '../../src/sources/fhir-r4/read.ts';
import { EPIC_FIXTURE_CONFIG, deliveryOf as epicDeliveryOf, writeEpicDelivery } from './fixtures/epic-delivery.ts';
import { deliveryOf, FHIR_CONFIG, fhirDeliveryFiles } from './fixtures/fhir-delivery.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-threads-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Everything an emitter ends with: each canonical file's text, each raw file's tally, the contributions. */
function outcome(emitter: CanonicalEmitter) {
  // By kind: the kinds' files come in the order of their first rows, which a worker's part may change; each is loaded on its own.
  const files = emitter
    .close()
    .map((f) => ({ kind: f.kind, rows: f.rows, text: readFileSync(f.path, 'utf8') }))
    .sort((a, b) => (a.kind < b.kind ? -1 : 1));
  const tallies = [...emitter.tallies.values()]
    .map((t) => {
      const lines = Array.from({ length: 4096 }, (_, line) => line);
      return {
        file: t.file,
        read: t.read,
        emitted: lines.filter((line) => t.emitted.has(line)),
        skipped: Object.fromEntries(t.skipped),
        quarantined: t.quarantined,
        issues: [...t.issues.values()],
      };
    })
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  return { files, tallies, contributions: emitter.contributions };
}

async function emitterIn(name: string): Promise<{ emitter: CanonicalEmitter; folder: string }> {
  const folder = join(dir, name);
  await mkdir(folder);
  return { emitter: new CanonicalEmitter(folder, 'fhir/2017-04-30'), folder };
}

describe('a FHIR delivery read by worker threads', () => {
  const context = () => readingContext(parseConfig(FHIR_CONFIG), parseConfig(FHIR_CONFIG).sources![0]!, fhirR4Adapter);

  async function compare(files: Record<string, string | Buffer>, name: string, ownWorker = false) {
    const folder = join(dir, name);
    await mkdir(folder);
    for (const [file, content] of Object.entries(files)) await writeFile(join(folder, file), content);
    const delivery: Delivery = await deliveryOf(folder, '2017-04-30');
    const here = await emitterIn(`${name}-here`);
    await readDelivery(delivery, context(), here.emitter, { workers: 0 });
    const apart = await emitterIn(`${name}-workers`);
    if (ownWorker) await readFhirDelivery(delivery, context(), apart.emitter, { ownWorker: true, workers: 2, batchBytes: 64 });
    else await readDelivery(delivery, context(), apart.emitter, { workers: 2, batchBytes: 64 });
    // The workers kept their batches in the emitter's own private folder.
    expect(existsSync(join(apart.folder, 'part-1'))).toBe(true);
    const expected = outcome(here.emitter);
    expect(expected.files.length).toBeGreaterThan(3);
    expect(outcome(apart.emitter)).toEqual(expected);
  }

  it('gives the canonical rows and accounting of a read in one thread, batch edges anywhere', async () => {
    await compare(fhirDeliveryFiles(), 'fixture');
  });

  it('gives them too when the whole read runs in a worker of its own, through an emitter whose part is adopted', async () => {
    await compare(fhirDeliveryFiles(), 'own-worker', true);
  });

  it('counts lines and rows across batches through CRLF, a BOM, blank, broken and long lines', async () => {
    const files: Record<string, string | Buffer> = fhirDeliveryFiles();
    const crlf = (text: string) => text.replaceAll('\n', '\r\n');
    const longNote = 'x'.repeat(300);
    files['ServiceRequest.000.ndjson'] = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(crlf((files['ServiceRequest.000.ndjson'] as string).replace('"resourceType":"ServiceRequest"', `"note":[{"text":"${longNote}"}],"resourceType":"ServiceRequest"`))),
    ]);
    files['Task.000.ndjson'] = `\n\n{"resourceType":\n${files['Task.000.ndjson']}   \n[1,2]\n{"no":"type"}\n`;
    // The last line of a file without its LF.
    files['Encounter.ndjson'] = (files['Encounter.ndjson'] as string).trimEnd();
    // A file of one batch: one worker parses it, the other keeps nothing of it.
    files['Slot.001.ndjson'] = `${(files['Slot.ndjson'] as string).split('\n')[0]!.replace('"id":"', '"id":"one-')}\n`;
    await compare(files, 'edges');
  });
});

describe('an Epic delivery read with its encounters in a worker thread', () => {
  it('gives the canonical rows and accounting of a read in one thread', async () => {
    const folder = join(dir, 'epic');
    await writeEpicDelivery(folder);
    const delivery = await epicDeliveryOf(folder, '2026-11-30');
    const config = parseConfig(EPIC_FIXTURE_CONFIG);
    const context = readingContext(config, config.sources!.find((s) => s.adapter === 'epic-ehi')!, epicEhiAdapter);
    const here = await emitterIn('epic-here');
    await readEpicDelivery(delivery, context, here.emitter, { encountersApart: false });
    const apart = await emitterIn('epic-apart');
    await readEpicDelivery(delivery, context, apart.emitter, { encountersApart: true });
    expect(existsSync(join(apart.folder, 'part-1'))).toBe(true);
    const expected = outcome(here.emitter);
    expect(expected.files.map((f) => f.kind)).toEqual(expect.arrayContaining(['referrals', 'referral_events', 'appointments', 'visits']));
    expect(outcome(apart.emitter)).toEqual(expected);
  });
});

describe('an emitter adopting a worker part', () => {
  it('refuses a raw file counted by two threads', async () => {
    const { emitter } = await emitterIn('twice');
    emitter.read('PAT_ENC.tsv', 3);
    const part: EmitterPart = {
      files: [],
      tallies: [{ file: 'PAT_ENC.tsv', read: 3, emitted: { bits: new Uint8Array(1), size: 0 }, skipped: new Map(), skippedLines: { bits: new Uint8Array(1), size: 0 }, quarantined: [], issues: new Map() }],
      contributions: { file: [], line: [], toFile: [], toLine: [] },
    };
    expect(() => emitter.adopt(part)).toThrow('PAT_ENC.tsv was read by two threads');
    emitter.close();
  });
});
