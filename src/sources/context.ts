// What an adapter is given to read a delivery with (adapter.ts AdapterContext).
import type { RefloopConfig, SourceConfig } from '../config/schema.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { AdapterContext, ReadingContext, SourceAdapter } from './adapter.ts';
import { serviceLineMatcher } from './service-lines.ts';
import { valueMap } from './value-map.ts';

export function adapterContext(config: RefloopConfig, source: SourceConfig, adapter: SourceAdapter, warehouse: Warehouse): AdapterContext {
  return { ...readingContext(config, source, adapter), warehouse };
}

/** All of the context but the warehouse: what a worker thread rebuilds from the config (parallel.ts). */
export function readingContext(config: RefloopConfig, source: SourceConfig, adapter: Pick<SourceAdapter, 'defaultMaps'>): ReadingContext {
  const serviceLineOf = serviceLineMatcher(config);
  return {
    config,
    source,
    timezone: config.timezone,
    serviceLineOf,
    map: (name) => valueMap(adapter.defaultMaps[name], source.maps[name]),
  };
}
