// The warehouse columns a contract's rows land in. PHI columns are replaced by
// what may be kept of them (see PhiTreatment); every other column keeps its
// name and takes its parsed type.
import type { ColumnContract, ExtractContract } from './types.ts';

export interface LandingColumn {
  name: string;
  sqlType: string;
  comment: string;
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
  return contract.columns.flatMap((column): LandingColumn[] => {
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
  });
}

export const LINEAGE_COLUMNS: readonly { name: string; sqlType: string; comment: string }[] = [
  { name: 'source_file', sqlType: 'VARCHAR', comment: 'The extract file this row was last loaded from (the greatest file name holding its key).' },
  { name: 'ingest_run_id', sqlType: 'BIGINT', comment: 'The run that loaded this row (see runs).' },
];
