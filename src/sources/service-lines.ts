// Service lines from source values: a value matching a line's id, name or one
// of its aliases (case-insensitively, after trimming) is that line.
import type { RefloopConfig } from '../config/schema.ts';
import { normalizeValue } from './value-map.ts';

/** Source value → service line id, or undefined when no line claims it. */
export function serviceLineMatcher(config: Pick<RefloopConfig, 'service_lines'>): (value: string | null | undefined) => string | undefined {
  const lookup = new Map<string, string>();
  for (const line of config.service_lines) {
    for (const name of [line.id, line.name, ...line.aliases]) {
      const key = normalizeValue(name);
      if (!lookup.has(key)) lookup.set(key, line.id);
    }
  }
  return (value) => (value === null || value === undefined ? undefined : lookup.get(normalizeValue(value)));
}

/** Every (source value, line id) pair the config names, for the SQL that maps canonical feeds' service lines. */
export function serviceLineAliases(config: Pick<RefloopConfig, 'service_lines'>): { value: string; id: string }[] {
  const seen = new Set<string>();
  const pairs: { value: string; id: string }[] = [];
  for (const line of config.service_lines) {
    for (const name of [line.id, line.name, ...line.aliases]) {
      const value = normalizeValue(name);
      if (seen.has(value)) continue;
      seen.add(value);
      pairs.push({ value, id: line.id });
    }
  }
  return pairs;
}
