// The encounters of a big Epic delivery, read in a worker thread (index.ts)
// while the main thread reads the referrals: the lookups PAT_ENC needs
// (PATIENT, CLARITY_DEP and REFERRAL_2 are only gathered here: the main
// thread accounts for them), then PAT_ENC_APPT, ASSOCIATED_REFERRALS and
// PAT_ENC, accounted for and emitted through an emitter of the worker's
// own, whose part the main thread adopts.
import type { RefloopConfig, SourceConfig } from '../../config/schema.ts';
import type { DeliveryFile } from '../adapter.ts';
import { readingContext } from '../context.ts';
import { CanonicalEmitter, type EmitterPart } from '../emitter.ts';
import { DeliveryTables } from './delivery-tables.ts';
import { readEncounters } from './encounters.ts';
import { ENCOUNTER_LOOKUPS, readLookups } from './lookups.ts';
import { defaultMaps } from './maps.ts';
import { epicRun } from './run.ts';
import { filesByTable } from './tables.ts';

export interface EncounterInput {
  files: DeliveryFile[];
  config: RefloopConfig;
  source: SourceConfig;
  part: { dir: string; prefix: string };
}

export async function runInWorker(input: EncounterInput): Promise<EmitterPart> {
  const output = new CanonicalEmitter(input.part.dir, input.part.prefix);
  try {
    const tables = new DeliveryTables(filesByTable(input.files), output);
    const lookups = await readLookups(tables, { PATIENT: 'gather', CLARITY_DEP: 'gather', REFERRAL_2: 'gather', ...ENCOUNTER_LOOKUPS('account') });
    await readEncounters(epicRun(tables, output, readingContext(input.config, input.source, { defaultMaps }), lookups));
  } catch (error) {
    output.close();
    throw error;
  }
  return output.part();
}
