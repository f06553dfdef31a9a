// The Epic tables the adapter reads, and which files of a delivery hold them.
import type { DeliveryFile } from '../adapter.ts';

export const TABLES = [
  'REFERRAL',
  'REFERRAL_HIST',
  'REFERRAL_2',
  'REFERRAL_SOURCE',
  'CLARITY_SER',
  'CLARITY_SER_2',
  'CLARITY_DEP',
  'PATIENT',
  'PAT_ENC',
  'PAT_ENC_APPT',
  'ASSOCIATED_REFERRALS',
] as const;

export type Table = (typeof TABLES)[number];

const TABLE_NAMES: ReadonlySet<string> = new Set(TABLES);
const EXTENSIONS = ['.TSV', '.TXT'];

/** The table a file holds, by its base name (any case, `.tsv` or `.txt`), or undefined. */
export function tableOf(fileName: string): Table | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).toUpperCase();
  const extension = EXTENSIONS.find((e) => base.endsWith(e));
  if (!extension) return undefined;
  const table = base.slice(0, -extension.length);
  return TABLE_NAMES.has(table) ? (table as Table) : undefined;
}

/** The delivery's files by table; a table split over several files keeps them in order of name. */
export function filesByTable(files: readonly DeliveryFile[]): Map<Table, DeliveryFile[]> {
  const byTable = new Map<Table, DeliveryFile[]>();
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const table = tableOf(file.name);
    if (!table) continue;
    const list = byTable.get(table);
    if (list) list.push(file);
    else byTable.set(table, [file]);
  }
  return byTable;
}
