// What every part of one delivery's read shares.
import type { AdapterOutput, ReadingContext } from '../adapter.ts';
import type { DeliveryTables } from './delivery-tables.ts';
import type { Lookups } from './lookups.ts';
import { epicMaps, type EpicMaps, memoized } from './maps.ts';

export interface EpicRun {
  tables: DeliveryTables;
  output: AdapterOutput;
  maps: EpicMaps;
  lookups: Lookups;
  timezone: string;
  /** The configured line a source value means, or undefined. */
  serviceLineOf: (value: string) => string | undefined;
}

export function epicRun(tables: DeliveryTables, output: AdapterOutput, context: ReadingContext, lookups: Lookups): EpicRun {
  return {
    tables,
    output,
    maps: epicMaps(context),
    lookups,
    timezone: context.timezone,
    serviceLineOf: memoized((value: string) => context.serviceLineOf(value)),
  };
}

/** A source value for an issue reason: never PHI (only code-list values are quoted), and never long. */
export function quoted(text: string): string {
  return `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
}
