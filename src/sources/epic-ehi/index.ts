// The `epic-ehi` source adapter: an Epic EHI / Clarity table export (one
// tab-separated file per table) into canonical rows. The mapping is in
// docs/sources/epic-ehi.md; the value maps are in maps.ts.
//
// Tables are read in the order their lookups need: the small resolving
// tables first, then the provider tables, REFERRAL_HIST (events, and each
// referral's receipt time), REFERRAL, and PAT_ENC last. Only the maps of
// the columns used are held in memory, never a whole table.
//
// In a big delivery PAT_ENC (with PAT_ENC_APPT and ASSOCIATED_REFERRALS,
// which only it needs) is read in a worker thread while this one reads the
// referrals (encounter-worker.ts): the same rows, in the same order, on a
// second core. PAT_ENC is about half the work, the referrals the other half.
import type { AdapterOutput, Delivery, ReadingContext, SourceAdapter } from '../adapter.ts';
import { runInWorker } from '../parallel.ts';
import { DeliveryTables } from './delivery-tables.ts';
import type { EncounterInput } from './encounter-worker.ts';
import { readEncounters } from './encounters.ts';
import { ENCOUNTER_LOOKUPS, readLookups } from './lookups.ts';
import { defaultMaps, mapTargets } from './maps.ts';
import { ProviderDirectory } from './providers.ts';
import { readReferralHistory, readReferrals } from './referrals.ts';
import { epicRun } from './run.ts';
import { filesByTable, tableOf, type Table } from './tables.ts';

export { defaultMaps, mapTargets } from './maps.ts';

export const epicEhiAdapter: SourceAdapter = {
  name: 'epic-ehi',
  defaultMaps,
  mapTargets,
  accepts: (file) => tableOf(file.name) !== undefined,
  read: (delivery, context, output) => readEpicDelivery(delivery, context, output),
};

/** The tables only the encounters are read from. */
const ENCOUNTER_TABLES: readonly Table[] = ['PAT_ENC', 'PAT_ENC_APPT', 'ASSOCIATED_REFERRALS'];

/** Below this many bytes of encounter tables, starting a worker costs more than it saves. */
const ENCOUNTERS_APART_BYTES = 16 * 2 ** 20;

/**
 * @param options.encountersApart read the encounters in a worker thread (when
 * the output can take a worker's part); by default, when they are big.
 */
export async function readEpicDelivery(delivery: Delivery, context: ReadingContext, output: AdapterOutput, options: { encountersApart?: boolean } = {}): Promise<void> {
  const byTable = filesByTable(delivery.files);
  const encounterBytes = ENCOUNTER_TABLES.flatMap((t) => byTable.get(t) ?? []).reduce((n, f) => n + f.sizeBytes, 0);
  const apart = output.parallel !== undefined && byTable.has('PAT_ENC') && (options.encountersApart ?? encounterBytes >= ENCOUNTERS_APART_BYTES);
  const encounters = apart
    ? runInWorker<EncounterInput, unknown>('sources/epic-ehi/encounter-worker.ts', {
        files: delivery.files,
        config: context.config,
        source: context.source,
        part: output.parallel!.partDir(),
      })
    : undefined;
  try {
    const tables = new DeliveryTables(byTable, output);
    const lookups = await readLookups(tables, encounters ? ENCOUNTER_LOOKUPS('none') : {});
    encounters?.post(lookups.shared());
    const providers = new ProviderDirectory(tables, output);
    await providers.read();
    const run = epicRun(tables, output, context, lookups);
    const receipts = await readReferralHistory(run);
    const named = await readReferrals(run, providers, receipts);
    receipts.clear();
    providers.emitNamed(named);
    if (encounters) output.parallel!.adopt(await encounters.result);
    else await readEncounters(run);
  } catch (error) {
    // Nothing may still be writing to the work folder once the read has failed.
    await encounters?.stop();
    throw error;
  }
}
