// The shape of an extract contract (spec: extracts.md). Contracts are data, not
// code: the ingest turns each one into the DuckDB SQL that types, validates and
// loads a file, so a row is never looped over in Node.

/** How a raw text value is read. Each maps to a parse expression in value-sql.ts. */
export type ValueType =
  | { kind: 'text'; letterCase?: 'lower' }
  | { kind: 'timestamp' }
  | { kind: 'date'; mondayOnly?: boolean }
  | { kind: 'enum'; values: readonly string[]; letterCase?: 'lower' | 'upper' }
  | { kind: 'npi' }
  | { kind: 'icd10' }
  | { kind: 'list' }
  | { kind: 'count' };

/**
 * What happens to a PHI column on the way in. Nothing identifying a patient
 * reaches the warehouse except a keyed pseudonym.
 * - pseudonymize: HMAC-SHA256 of the value, stored as `<name>` → `patient_key`
 * - never_store: read (so the row's shape is checked) and dropped
 * - age_band: the age band at the referral's receipt
 * - zip3: the first three digits, `000` for Safe Harbor's low-population prefixes
 */
export type PhiTreatment = 'pseudonymize' | 'never_store' | 'age_band' | 'zip3';

export interface ColumnContract {
  name: string;
  type: ValueType;
  required: boolean;
  /** Loaded when the value is missing or not understood (optional columns only). */
  default?: string;
  phi?: PhiTreatment;
  /** One line for the data dictionary. */
  description: string;
}

export interface ExtractContract {
  kind: string;
  /** The key: later files replace earlier rows with the same key. */
  key: readonly string[];
  /**
   * A key computed from columns rather than written in the file: the first of
   * `firstOf` whose parsed value is not null (providers: the valid NPI, else
   * provider_id). It lands as a column of its own.
   */
  derivedKey?: { name: string; firstOf: readonly string[]; description: string };
  /** A record needs at least one of these (parsed, non-null); else it is quarantined. */
  oneOf?: readonly string[];
  /** The warehouse table the rows land in. */
  table: string;
  grain: string;
  columns: readonly ColumnContract[];
}
