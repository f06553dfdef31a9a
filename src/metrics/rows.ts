// The registry as the rows of the Definitions page's metric table.
import { METRICS } from './registry.ts';

export interface RegistryRow {
  metric: string;
  meaning: string;
  computed_in: string;
  unit: string;
  shown_on: string;
}

export function registryRows(): RegistryRow[] {
  return METRICS.map((m) => ({
    metric: m.name,
    meaning: m.differs ? `${m.definition} ${m.differs}` : m.definition,
    computed_in: `${m.mart}.${m.column}${m.row ? ` (${m.row.column} = ${m.row.value})` : ''}`,
    unit: m.unit,
    shown_on: [...new Set(m.shown.map((s) => (s.page === 'digest' ? 'the weekly digest' : s.page.replace(/^reports\/(.*)\.md$/, '$1'))))].join(', '),
  }));
}
