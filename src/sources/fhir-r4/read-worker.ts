// A big FHIR delivery read in a worker thread of its own (index.ts), for
// its heap: the indexes of a million referrals' export are a few GB, and in
// the main thread's default heap collecting them took a third of the read.
// It reads through an emitter of its own (whose part the main thread
// adopts), and sends its progress on.
import type { MessagePort } from 'node:worker_threads';
import type { RefloopConfig, SourceConfig } from '../../config/schema.ts';
import type { Delivery } from '../adapter.ts';
import { readingContext } from '../context.ts';
import { CanonicalEmitter, type EmitterPart } from '../emitter.ts';
import { DEFAULT_MAPS } from './maps.ts';
import { readDelivery } from './read.ts';

export interface ReadInput {
  delivery: Delivery;
  config: RefloopConfig;
  source: SourceConfig;
  part: { dir: string; prefix: string };
  /** readDelivery's options. */
  reading?: { workers?: number; batchBytes?: number };
}

export async function runInWorker(input: ReadInput, port: MessagePort): Promise<EmitterPart> {
  const output = new CanonicalEmitter(input.part.dir, input.part.prefix, (stage, fraction) => port.postMessage({ progress: [stage, fraction] }));
  try {
    await readDelivery(input.delivery, readingContext(input.config, input.source, { defaultMaps: DEFAULT_MAPS }), output, input.reading);
  } catch (error) {
    output.close();
    throw error;
  }
  return output.part();
}
