// The table adapters by the name a config's `sources[].adapter` gives them.
import type { SourceAdapter } from './adapter.ts';
import { epicEhiAdapter } from './epic-ehi/index.ts';
import { fhirR4Adapter } from './fhir-r4/index.ts';
import { nppesAdapter } from './nppes/index.ts';

export const ADAPTERS: Record<SourceAdapter['name'], SourceAdapter> = {
  'epic-ehi': epicEhiAdapter,
  'fhir-r4': fhirR4Adapter,
  nppes: nppesAdapter,
};

export function adapterFor(name: string): SourceAdapter {
  const adapter = ADAPTERS[name as SourceAdapter['name']];
  if (!adapter) throw new Error(`no adapter ${name} (there are ${Object.keys(ADAPTERS).join(', ')}, and csv)`);
  return adapter;
}
