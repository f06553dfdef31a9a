// The `nppes` adapter (sources.md): the CMS NPPES downloadable file, the
// national directory of NPIs, into canonical `providers` rows. Only the
// practice's own referrers (the NPIs of its referral history) and, when the
// source lists `zip3`, the practices located in those ZIP3s are kept, so a
// 9 GB national file leaves a few thousand rows. See docs/sources/nppes.md.
import type { Warehouse } from '../../warehouse/warehouse.ts';
import type { DeliveryFile, SourceAdapter } from '../adapter.ts';
import { readNppesFile } from './read-file.ts';

/**
 * The data files of an NPPES download: `npidata_pfile_<dates>.csv` (monthly
 * and weekly), also any `npidata_*.csv`, in any case. The download's
 * `…_fileheader.csv` holds only the header and is not data.
 */
export function isNppesDataFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return /^npidata_.*\.csv$/i.test(base) && !/_fileheader\.csv$/i.test(base);
}

/** The warehouse has referrals with a `referring_npi` column to match against. */
async function hasReferralHistory(warehouse: Warehouse): Promise<boolean> {
  const [found] = await warehouse.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM duckdb_columns()
     WHERE table_name = 'referrals' AND column_name = 'referring_npi'
       AND database_name = current_database() AND schema_name = current_schema()`,
  );
  return Number(found?.n) > 0;
}

export const nppesAdapter: SourceAdapter = {
  name: 'nppes',
  defaultMaps: {},
  accepts: (file: DeliveryFile) => isNppesDataFile(file.name),
  async read(delivery, context, output) {
    const zip3 = (context.source.zip3 ?? []).filter((z) => /^\d{3}$/.test(z));
    const history = await hasReferralHistory(context.warehouse);
    for (const file of delivery.files.filter((f) => isNppesDataFile(f.name))) {
      await readNppesFile(file, { warehouse: context.warehouse, zip3, hasReferralHistory: history, output });
    }
  },
};
