// Reads a file's header and lines the contract's columns up with it: each
// canonical column comes from a source column (by the feed's map, its renames,
// or the same name, case-insensitively), several of them (first non-empty, or
// joined), or a constant. Filters name source columns too. Columns the file
// lacks are null; a required one the file lacks refuses the file.
import { parse } from 'csv-parse/sync';
import { columnSpecs, type ColumnSpec, type FeedConfig, type FilterSpec, filterName } from '../config/feed-schema.ts';
import type { ExtractContract } from '../contracts/types.ts';

/** Where a canonical column's text comes from in the file. */
export type ColumnSource =
  | { from: 'fields'; positions: number[]; combine: 'first' | 'join'; separator: string }
  | { from: 'value'; value: string };

export interface MappedColumn {
  source: ColumnSource;
  spec: ColumnSpec | undefined;
}

export interface MappedFilter {
  name: string;
  position: number;
  filter: FilterSpec;
}

/** Columns an adapter's or converter's CSV carries so each row names its raw file and line. */
export const ORIGIN_FILE = '__origin_file';
export const ORIGIN_LINE = '__origin_line';

export interface HeaderMapping {
  /** The header as written, one name per field. */
  sourceNames: string[];
  /** Each field's name for messages: the canonical column it feeds, or the header as written. */
  fieldNames: string[];
  /** Canonical column → where its text comes from; absent columns are null. */
  columns: Map<string, MappedColumn>;
  filters: MappedFilter[];
  /** Positions of the origin columns, when the file carries them. */
  originFile?: number;
  originLine?: number;
}

export class HeaderError extends Error {}

export function mapHeader(header: Buffer, contract: ExtractContract, feed: FeedConfig | undefined, delimiter = ','): HeaderMapping {
  const text = header.toString('utf8').replace(/^\uFEFF/, '');
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, delimiter });
  } catch {
    throw new HeaderError('its header row is not valid CSV');
  }
  const sourceNames = (rows[0] ?? []).map((name) => name.trim());
  if (sourceNames.length === 0 || sourceNames.every((n) => n === '')) throw new HeaderError('it has no header row');
  const positionOf = headerIndex(sourceNames);

  const specs = columnSpecs(feed);
  const columns = new Map<string, MappedColumn>();
  const fieldNames = [...sourceNames];
  for (const column of contract.columns) {
    const spec = specs.get(column.name);
    const source = resolveSource(column.name, spec, positionOf);
    if (!source) continue;
    columns.set(column.name, { source, spec });
    if (source.from === 'fields' && source.positions.length === 1) fieldNames[source.positions[0]!] = column.name;
  }

  const missing = contract.columns.filter((c) => c.required && !columns.has(c.name)).map((c) => describeMissing(c.name, specs.get(c.name)));
  if (missing.length > 0) {
    const plural = missing.length > 1 ? 's' : '';
    throw new HeaderError(`its header lacks the required column${plural} ${missing.join(', ')}`);
  }
  const filters = (feed?.filters ?? []).map((filter) => {
    const position = positionOf(filter.column);
    if (position === undefined) throw new HeaderError(`its header lacks the column ${filter.column} that the filter "${filterName(filter)}" tests`);
    return { name: filterName(filter), position, filter };
  });
  const originFile = positionOf(ORIGIN_FILE);
  const originLine = positionOf(ORIGIN_LINE);
  return {
    sourceNames,
    fieldNames,
    columns,
    filters,
    ...(originFile === undefined ? {} : { originFile }),
    ...(originLine === undefined ? {} : { originLine }),
  };
}

/** Header name → position, case-insensitively. A name written twice is ambiguous only when something uses it. */
function headerIndex(sourceNames: string[]): (name: string) => number | undefined {
  const index = new Map<string, number[]>();
  sourceNames.forEach((name, position) => {
    const key = name.toLowerCase();
    index.set(key, [...(index.get(key) ?? []), position]);
  });
  return (name) => {
    const found = index.get(name.trim().toLowerCase());
    if (!found) return undefined;
    if (found.length > 1) throw new HeaderError(`column ${name} appears ${found.length} times in its header (fields ${found.map((p) => p + 1).join(', ')}): say which to use`);
    return found[0];
  };
}

function resolveSource(name: string, spec: ColumnSpec | undefined, positionOf: (name: string) => number | undefined): ColumnSource | undefined {
  if (!spec) {
    const position = positionOf(name);
    return position === undefined ? undefined : { from: 'fields', positions: [position], combine: 'first', separator: ' ' };
  }
  if (spec.value !== undefined) return { from: 'value', value: spec.value };
  const names = spec.column !== undefined ? [spec.column] : (spec.first_of ?? spec.join ?? []);
  const positions = names.map(positionOf).filter((p): p is number => p !== undefined);
  if (positions.length === 0) return undefined;
  return { from: 'fields', positions, combine: spec.join ? 'join' : 'first', separator: spec.separator };
}

function describeMissing(name: string, spec: ColumnSpec | undefined): string {
  if (!spec) return name;
  const names = spec.column !== undefined ? [spec.column] : (spec.first_of ?? spec.join ?? []);
  return `${name} (mapped from ${names.map((n) => `"${n}"`).join(names.length > 1 ? ' or ' : '')})`;
}
