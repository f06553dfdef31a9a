// Value maps: many source values to one canonical value, matched
// case-insensitively after trimming (Unicode whitespace included).
import type { ValueMap } from './adapter.ts';

export const normalizeValue = (value: string) => value.replace(/^[\s\u00a0\u3000]+|[\s\u00a0\u3000]+$/gu, '').toLowerCase();

/** A map from entries; later entries win over earlier ones with the same normalized key. */
export function valueMap(...layers: (Readonly<Record<string, string>> | undefined)[]): ValueMap {
  const entries: Record<string, string> = {};
  const lookup = new Map<string, string>();
  for (const layer of layers) {
    for (const [from, to] of Object.entries(layer ?? {})) {
      entries[from] = to;
      lookup.set(normalizeValue(from), to);
    }
  }
  return {
    entries,
    get: (value) => (value === null || value === undefined ? undefined : lookup.get(normalizeValue(value))),
  };
}
