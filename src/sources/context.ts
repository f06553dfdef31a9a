// What an adapter is given to read a delivery with (adapter.ts AdapterContext).
import type { RefloopConfig, SourceConfig } from '../config/schema.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { AdapterContext, SourceAdapter } from './adapter.ts';
import { serviceLineMatcher } from './service-lines.ts';
import { valueMap } from './value-map.ts';

export function adapterContext(config: RefloopConfig, source: SourceConfig, adapter: SourceAdapter, warehouse: Warehouse): AdapterContext {
  const serviceLineOf = serviceLineMatcher(config);
  return {
    config,
    source,
    timezone: config.timezone,
    serviceLineOf,
    map: (name) => valueMap(adapter.defaultMaps[name], source.maps[name]),
    warehouse,
  };
}
