// Reads a file's header and lines its columns up with the contract: the feed's
// renames apply first, then names match the contract case-insensitively.
import { parse } from 'csv-parse/sync';
import type { FeedConfig } from '../config/schema.ts';
import type { ExtractContract } from '../contracts/types.ts';

export interface HeaderMapping {
  /** The header as written, one name per field. */
  sourceNames: string[];
  /** Each field's name for messages: its contract column, or the header as written for an extra column. */
  fieldNames: string[];
  /** Contract column → the position of its field in the file. */
  positions: Map<string, number>;
}

export class HeaderError extends Error {}

export function mapHeader(header: Buffer, contract: ExtractContract, feed: FeedConfig | undefined): HeaderMapping {
  const text = header.toString('utf8').replace(/^\uFEFF/, '');
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true });
  } catch {
    throw new HeaderError('its header row is not valid CSV');
  }
  const sourceNames = (rows[0] ?? []).map((name) => name.trim());
  if (sourceNames.length === 0 || sourceNames.every((n) => n === '')) throw new HeaderError('it has no header row');

  const renames = new Map(Object.entries(feed?.columns ?? {}).map(([from, to]) => [from.trim().toLowerCase(), to]));
  const contractNames = new Set(contract.columns.map((c) => c.name));
  const positions = new Map<string, number>();
  const fieldNames = sourceNames.map((source, position) => {
    const name = (renames.get(source.toLowerCase()) ?? source).toLowerCase();
    if (!contractNames.has(name)) return source; // extra columns are read, then ignored
    if (positions.has(name)) throw new HeaderError(`column ${name} appears twice in its header`);
    positions.set(name, position);
    return name;
  });

  const missing = contract.columns.filter((c) => c.required && !positions.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    const plural = missing.length > 1 ? 's' : '';
    throw new HeaderError(`its header lacks the required column${plural} ${missing.join(', ')}`);
  }
  return { sourceNames, fieldNames, positions };
}
