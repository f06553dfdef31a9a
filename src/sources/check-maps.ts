// A source's `maps` are checked when the config loads, against its adapter:
// a map the adapter does not have, or a value outside a closed map's set, is
// a config error naming its JSON path (it would otherwise be ignored, or fail
// every delivery).
import type { SourceConfig } from '../config/schema.ts';
import { ADAPTERS } from './registry.ts';

export function sourceMapProblems(sources: readonly SourceConfig[] | undefined): string[] {
  const problems: string[] = [];
  for (const [i, source] of (sources ?? []).entries()) {
    if (source.adapter === 'csv') continue;
    const adapter = ADAPTERS[source.adapter];
    for (const [name, entries] of Object.entries(source.maps)) {
      const path = `$.sources[${i}].maps.${name}`;
      if (!(name in adapter.defaultMaps)) {
        problems.push(`${path}: the ${adapter.name} adapter has no map ${name} (it has ${Object.keys(adapter.defaultMaps).join(', ')})`);
        continue;
      }
      const allowed = adapter.mapTargets?.[name];
      if (!allowed) continue;
      for (const [from, to] of Object.entries(entries)) {
        if (!allowed.includes(to)) problems.push(`${path}.${from}: ${JSON.stringify(to)} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
      }
    }
  }
  return problems;
}
