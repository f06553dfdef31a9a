// The `epic-ehi` source adapter: an Epic EHI / Clarity table export (one
// tab-separated file per table) into canonical rows. The mapping is in
// docs/sources/epic-ehi.md; the value maps are in maps.ts.
//
// Tables are read in the order their lookups need: the small resolving
// tables first, then the provider tables, REFERRAL_HIST (events, and each
// referral's receipt time), REFERRAL, and PAT_ENC last. Only the maps of
// the columns used are held in memory, never a whole table.
import type { SourceAdapter } from '../adapter.ts';
import { DeliveryTables } from './delivery-tables.ts';
import { readEncounters } from './encounters.ts';
import { readLookups } from './lookups.ts';
import { defaultMaps, epicMaps, mapTargets, memoized } from './maps.ts';
import { ProviderDirectory } from './providers.ts';
import { readReferralHistory, readReferrals } from './referrals.ts';
import type { EpicRun } from './run.ts';
import { filesByTable, tableOf } from './tables.ts';

export { defaultMaps, mapTargets } from './maps.ts';

export const epicEhiAdapter: SourceAdapter = {
  name: 'epic-ehi',
  defaultMaps,
  mapTargets,
  accepts: (file) => tableOf(file.name) !== undefined,
  async read(delivery, context, output) {
    const tables = new DeliveryTables(filesByTable(delivery.files), output);
    const lookups = await readLookups(tables);
    const providers = new ProviderDirectory(tables, output);
    await providers.read();
    const run: EpicRun = {
      tables,
      output,
      maps: epicMaps(context),
      lookups,
      providers,
      timezone: context.timezone,
      serviceLineOf: memoized((value: string) => context.serviceLineOf(value)),
    };
    const receipts = await readReferralHistory(run);
    const named = await readReferrals(run, receipts);
    receipts.clear();
    providers.emitNamed(named);
    await readEncounters(run);
  },
};
