// What every part of one delivery's read shares.
import type { AdapterOutput } from '../adapter.ts';
import type { DeliveryTables } from './delivery-tables.ts';
import type { Lookups } from './lookups.ts';
import type { EpicMaps } from './maps.ts';
import type { ProviderDirectory } from './providers.ts';

export interface EpicRun {
  tables: DeliveryTables;
  output: AdapterOutput;
  maps: EpicMaps;
  lookups: Lookups;
  providers: ProviderDirectory;
  timezone: string;
  /** The configured line a source value means, or undefined. */
  serviceLineOf: (value: string) => string | undefined;
}

/** A source value for an issue reason: never PHI (only code-list values are quoted), and never long. */
export function quoted(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}
