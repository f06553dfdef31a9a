// The NPPES data file's header: the columns the adapter reads, found by name.
//
// CMS publishes the file with a header of about 330 quoted column names. The
// adapter reads a handful of them and finds each by name (trimmed, any case),
// never by position, so a file whose columns CMS reorders or extends still
// reads. Every column is still declared to DuckDB, so every record's shape is
// checked.
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** The columns the mapping and the filter need, by the names CMS gives them. */
export const NPPES_COLUMNS = {
  npi: 'NPI',
  entityType: 'Entity Type Code',
  organizationName: 'Provider Organization Name (Legal Business Name)',
  lastName: 'Provider Last Name (Legal Name)',
  firstName: 'Provider First Name',
  middleName: 'Provider Middle Name',
  credential: 'Provider Credential Text',
  otherOrganizationName: 'Provider Other Organization Name',
  practicePostalCode: 'Provider Business Practice Location Address Postal Code',
  deactivationDate: 'NPI Deactivation Date',
  reactivationDate: 'NPI Reactivation Date',
} as const;

export type NppesColumn = keyof typeof NPPES_COLUMNS;

/** NPPES has fifteen taxonomy slots; slot 1 is required, the others are read when present. */
export const TAXONOMY_SLOTS = 15;
export const taxonomyCodeColumn = (slot: number) => `Healthcare Provider Taxonomy Code_${slot}`;
export const primarySwitchColumn = (slot: number) => `Healthcare Provider Primary Taxonomy Switch_${slot}`;

export interface TaxonomySlot {
  slot: number;
  /** Field index (0-based) of the slot's taxonomy code. */
  code: number;
  /** Field index of the slot's primary switch, when the header has it. */
  primary: number | undefined;
}

export interface NppesHeader {
  /** The header as written, one name per field. */
  names: string[];
  /** Field index (0-based) of each column the adapter reads. */
  positions: Record<NppesColumn, number>;
  taxonomy: TaxonomySlot[];
}

export class NppesHeaderError extends Error {}

/** A header line longer than this is not an NPPES header (the real one is about 11 KB). */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The first record's bytes, line end excluded: read up to the first line end
 * outside quotes, so the adapter can declare the columns before the file is
 * scanned.
 */
export async function readHeaderBytes(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const parts: Buffer[] = [];
    let total = 0;
    let inQuotes = false;
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const b = chunk[i];
        if (b === 0x22) inQuotes = !inQuotes;
        else if (!inQuotes && (b === 0x0a || b === 0x0d)) {
          parts.push(Buffer.from(chunk.subarray(0, i)));
          return Buffer.concat(parts);
        }
      }
      parts.push(Buffer.from(chunk.subarray(0, bytesRead)));
      total += bytesRead;
      if (total > MAX_HEADER_BYTES) throw new NppesHeaderError(`its first line is longer than ${MAX_HEADER_BYTES} bytes: it is not an NPPES header`);
    }
    return Buffer.concat(parts);
  } finally {
    await handle.close();
  }
}

/** The header's names and where each column the adapter reads is; throws naming a missing column. */
export function resolveHeader(bytes: Buffer): NppesHeader {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true });
  } catch {
    throw new NppesHeaderError('its header row is not valid CSV');
  }
  const names = (rows[0] ?? []).map((name) => name.trim());
  if (names.length === 0 || names.every((n) => n === '')) throw new NppesHeaderError('it has no header row');

  const index = new Map<string, number>();
  names.forEach((name, i) => {
    const key = name.toLowerCase();
    if (!index.has(key)) index.set(key, i);
  });
  const find = (name: string) => index.get(name.toLowerCase());

  const missing = [...Object.values(NPPES_COLUMNS), taxonomyCodeColumn(1)].filter((name) => find(name) === undefined);
  if (missing.length > 0) {
    const list = missing.map((m) => `"${m}"`).join(', ');
    throw new NppesHeaderError(`its header lacks the NPPES column${missing.length > 1 ? 's' : ''} ${list}: it is not an NPPES data file`);
  }
  const positions = Object.fromEntries(Object.entries(NPPES_COLUMNS).map(([key, name]) => [key, find(name)!])) as Record<NppesColumn, number>;
  const taxonomy: TaxonomySlot[] = [];
  for (let slot = 1; slot <= TAXONOMY_SLOTS; slot++) {
    const code = find(taxonomyCodeColumn(slot));
    if (code !== undefined) taxonomy.push({ slot, code, primary: find(primarySwitchColumn(slot)) });
  }
  return { names, positions, taxonomy };
}
