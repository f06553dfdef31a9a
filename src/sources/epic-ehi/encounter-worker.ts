// The encounters of a big Epic delivery, read in a worker thread (index.ts)
// while the main thread reads the referrals: PAT_ENC_APPT and
// ASSOCIATED_REFERRALS, then PAT_ENC, accounted for and emitted through an
// emitter of the worker's own, whose part the main thread adopts. What
// PAT_ENC needs of PATIENT, CLARITY_DEP and REFERRAL_2 comes from the main
// thread, which reads (and accounts for) them first and sends their maps
// over while this one reads PAT_ENC_APPT: reading them here as well cost
// this thread about a fifth of its rows and their maps' garbage collection.
import type { MessagePort } from 'node:worker_threads';
import type { RefloopConfig, SourceConfig } from '../../config/schema.ts';
import type { DeliveryFile } from '../adapter.ts';
import { readingContext } from '../context.ts';
import { CanonicalEmitter, type EmitterPart } from '../emitter.ts';
import { DeliveryTables } from './delivery-tables.ts';
import { readEncounters } from './encounters.ts';
import { ENCOUNTER_LOOKUPS, readLookups, type SharedLookups } from './lookups.ts';
import { defaultMaps } from './maps.ts';
import { epicRun } from './run.ts';
import { filesByTable } from './tables.ts';

export interface EncounterInput {
  files: DeliveryFile[];
  config: RefloopConfig;
  source: SourceConfig;
  part: { dir: string; prefix: string };
}

export async function runInWorker(input: EncounterInput, port: MessagePort): Promise<EmitterPart> {
  // Sent once by the main thread (index.ts); queued on the port until taken.
  const shared = new Promise<SharedLookups>((resolve) => port.once('message', resolve));
  const output = new CanonicalEmitter(input.part.dir, input.part.prefix);
  try {
    const tables = new DeliveryTables(filesByTable(input.files), output);
    const lookups = await readLookups(tables, { PATIENT: 'none', CLARITY_DEP: 'none', REFERRAL_2: 'none', ...ENCOUNTER_LOOKUPS('account') });
    lookups.adopt(await shared);
    await readEncounters(epicRun(tables, output, readingContext(input.config, input.source, { defaultMaps }), lookups));
  } catch (error) {
    output.close();
    throw error;
  }
  return output.part();
}
