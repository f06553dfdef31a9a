// The warehouse columns a contract's rows land in. PHI columns are replaced by
// what may be kept of them (see PhiTreatment); every other column keeps its
// name and takes its parsed type.
import { type TableColumn, tableColumn } from '../warehouse/table-column.ts';
import type { ColumnContract, ExtractContract } from './types.ts';

export interface LandingColumn extends TableColumn {
  /** The contract column it comes from. */
  from: ColumnContract;
}

const SQL_TYPES = {
  text: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
  date: 'DATE',
  enum: 'VARCHAR',
  npi: 'VARCHAR',
  icd10: 'VARCHAR',
  list: 'VARCHAR[]',
  count: 'INTEGER',
} as const;

export function landingColumns(contract: ExtractContract): LandingColumn[] {
  return [...derivedKeyColumns(contract), ...contract.columns.flatMap((column): LandingColumn[] => {
    switch (column.phi) {
      case 'never_store':
        return [];
      case 'pseudonymize':
        return [{ name: 'patient_key', sqlType: 'VARCHAR', comment: column.description, from: column }];
      case 'age_band':
        return [{ name: 'age_band', sqlType: 'VARCHAR', comment: column.description, from: column }];
      case 'zip3':
        return [{ name: 'patient_zip3', sqlType: 'VARCHAR', comment: column.description, from: column }];
    }
    const landed = { name: column.name, sqlType: SQL_TYPES[column.type.kind], comment: column.description, from: column };
    if (column.type.kind === 'npi' && !column.required) {
      const flag = `has_invalid_${column.name}`;
      return [landed, { name: flag, sqlType: 'BOOLEAN', comment: `The extract held a ${column.name} that is not a valid NPI (loaded as null).`, from: column }];
    }
    return [landed];
  })];
}

/** The derived key's column (providers: provider_key), which lands first. */
function derivedKeyColumns(contract: ExtractContract): LandingColumn[] {
  const key = contract.derivedKey;
  if (!key) return [];
  const from: ColumnContract = { name: key.name, type: { kind: 'text' }, required: true, description: key.description };
  return [{ name: key.name, sqlType: 'VARCHAR', comment: key.description, from }];
}

/**
 * Where each row came from (Tuva's habit: every row knows its origin). The
 * applied order decides which copy of a key is current: the delivery's name,
 * then the source's position in the config (a canonical inbox file is a
 * delivery named after itself).
 */
export const LINEAGE_COLUMNS: readonly TableColumn[] = [
  tableColumn('source_name', 'VARCHAR', "The source (config `sources[].name`; 'inbox' for canonical files in the inbox itself) this row was last loaded from."),
  tableColumn('source_delivery', 'VARCHAR', 'The delivery it was last loaded from: a delivery folder, or the canonical file itself.'),
  tableColumn('source_file', 'VARCHAR', 'The raw file it was last loaded from, relative to the inbox.'),
  tableColumn('source_line', 'INTEGER', 'The physical line of that raw file where its record starts (header = line 1).'),
  tableColumn('applied_order', 'VARCHAR', 'Sort key of its delivery (delivery name, then source position): the greatest holding a key is current.'),
  tableColumn('first_loaded_at', 'TIMESTAMPTZ', 'When a row with this key was first loaded (kept when a later extract updates it).'),
  tableColumn('ingest_run_id', 'BIGINT', 'The run that last loaded this row (see runs).'),
];
