// The fhir-r4 source adapter: a FHIR R4 bulk export ($export NDJSON, one
// file per resource type, or .json files holding a resource or a Bundle) into
// canonical referrals, referral events, appointments, visits, providers and
// capacity. The mapping is in docs/sources/fhir-r4.md.
//
// A big delivery is read in a worker thread with a heap sized for its
// indexes (read-worker.ts), which parses its NDJSON in further workers
// (field-source.ts); a small one is read in this thread.
import type { AdapterOutput, Delivery, DeliveryFile, ReadingContext, SourceAdapter } from '../adapter.ts';
import { bigHeap, runInWorker } from '../parallel.ts';
import { DEFAULT_MAPS, MAP_TARGETS } from './maps.ts';
import { readDelivery } from './read.ts';
import type { ReadInput } from './read-worker.ts';
import { formatOf } from './records.ts';

export const fhirR4Adapter: SourceAdapter = {
  name: 'fhir-r4',
  defaultMaps: DEFAULT_MAPS,
  mapTargets: MAP_TARGETS as Readonly<Record<string, readonly string[]>>,
  accepts: (file: DeliveryFile) => formatOf(file.name) !== undefined,
  read: (delivery, context, output) => readFhirDelivery(delivery, context, output),
};

/** From this many bytes on, a delivery is read in a worker of its own. */
const OWN_WORKER_BYTES = 256 * 2 ** 20;

/**
 * @param options.ownWorker read in a worker of its own (when the output can take a worker's part); by default, from OWN_WORKER_BYTES on
 * @param options.workers, options.batchBytes as for readDelivery (tests make batches small)
 */
export async function readFhirDelivery(
  delivery: Delivery,
  context: ReadingContext,
  output: AdapterOutput,
  options: { ownWorker?: boolean; workers?: number; batchBytes?: number } = {},
): Promise<void> {
  const bytes = delivery.files.filter((f) => formatOf(f.name) !== undefined).reduce((n, f) => n + f.sizeBytes, 0);
  const { ownWorker, ...reading } = options;
  if (!output.parallel || !(ownWorker ?? bytes >= OWN_WORKER_BYTES)) return readDelivery(delivery, context, output, reading);
  const run = runInWorker<ReadInput, unknown>(
    'sources/fhir-r4/read-worker.ts',
    { delivery, config: context.config, source: context.source, part: output.parallel.partDir(), reading },
    { resourceLimits: bigHeap(), onProgress: (stage, fraction) => output.progress(stage, fraction) },
  );
  try {
    output.parallel.adopt(await run.result);
  } catch (error) {
    await run.stop();
    throw error;
  }
}
