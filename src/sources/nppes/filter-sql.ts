// The one DuckDB pass over an NPPES file: read every record, decide which are
// kept, count the others by rule, and hand back only the kept ones.
//
// The file is read with every field declared VARCHAR (no sniffing), in strict
// mode, with malformed records set aside in a rejects table; only the columns
// the rules and the mapping need are selected. Each record accepted by the
// reader is numbered (row_number() over the scan, a streaming window, run on
// one thread: duckdb-settings.ts), in file order, so a kept record can be
// traced to its line.
//
// Rules, in order (a record counts under the first that applies):
// 1. 'not a referrer of this practice': its NPI is not a `referring_npi` of
//    the warehouse's referrals, and its practice location's ZIP3 is not one of
//    the source's `zip3` list. Deactivated NPIs outside the practice's area and
//    history fall here too: they were never the practice's concern.
// 2. 'deactivated': it has an NPI Deactivation Date and no NPI Reactivation
//    Date later than it (a date that does not read as a date is not later).
// Every other record is kept.
import { quotedString } from '../../warehouse/sql.ts';
import type { NppesHeader, NppesColumn } from './columns.ts';
import type { NppesRecord } from './provider-row.ts';

export const NOT_A_REFERRER = 'not a referrer of this practice';
export const DEACTIVATED = 'deactivated';

export const REJECTS_TABLE = 'refloop_nppes_reject_errors';
export const REJECTS_SCAN_TABLE = 'refloop_nppes_reject_scans';

export interface FilterSpec {
  /** The file DuckDB reads. */
  readPath: string;
  header: NppesHeader;
  /** ZIP3s whose practices are kept whatever the referral history. */
  zip3: readonly string[];
  /** The warehouse has `referrals.referring_npi` to match against. */
  hasReferralHistory: boolean;
}

/** One row per outcome: the skip rule (NULL for kept), how many records, and the kept records themselves. */
export interface OutcomeRow {
  skip_rule: string | null;
  records: number;
  kept: KeptRecord[] | null;
}

export interface KeptRecord extends NppesRecord {
  /** 1-based position among the records the reader accepted. */
  position: number;
}

const field = (index: number) => `c${index}`;
const SELECTED: Record<Exclude<keyof KeptRecord, 'position' | 'taxonomy_codes' | 'primary_switches'>, NppesColumn> = {
  npi: 'npi',
  entity_type: 'entityType',
  organization_name: 'organizationName',
  last_name: 'lastName',
  first_name: 'firstName',
  middle_name: 'middleName',
  credential: 'credential',
  other_organization_name: 'otherOrganizationName',
  practice_postal_code: 'practicePostalCode',
};

export function readCsvSql(readPath: string, fieldCount: number): string {
  const columns = Array.from({ length: fieldCount }, (_, i) => `${quotedString(field(i))}: 'VARCHAR'`).join(', ');
  return `read_csv(${quotedString(readPath)},
    columns = {${columns}},
    header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    strict_mode = true, null_padding = false, encoding = 'utf-8', compression = 'none',
    store_rejects = true, rejects_table = ${quotedString(REJECTS_TABLE)}, rejects_scan = ${quotedString(REJECTS_SCAN_TABLE)})`;
}

/** NULL when empty or blank, else trimmed. */
const value = (index: number) => `nullif(trim(${field(index)}), '')`;
const nppesDate = (expr: string) => `coalesce(try_strptime(${expr}, '%m/%d/%Y'), try_strptime(${expr}, '%Y-%m-%d'))`;

export function filterSql(spec: FilterSpec): string {
  const { positions, taxonomy, names } = spec.header;
  const selected = Object.entries(SELECTED).map(([alias, column]) => `${value(positions[column])} AS ${alias}`);
  const codes = taxonomy.map((t) => value(t.code)).join(', ');
  const switches = taxonomy.map((t) => (t.primary === undefined ? 'NULL::VARCHAR' : value(t.primary))).join(', ');

  const inHistory = spec.hasReferralHistory
    ? 'coalesce(npi IN (SELECT referring_npi FROM referrals WHERE referring_npi IS NOT NULL), false)'
    : 'false';
  const inArea = spec.zip3.length > 0 ? `coalesce(left(practice_postal_code, 3) IN (${spec.zip3.map(quotedString).join(', ')}), false)` : 'false';
  const deactivated = `(deactivation_date IS NOT NULL AND NOT coalesce(${nppesDate('reactivation_date')} > ${nppesDate('deactivation_date')}, false))`;

  const keptFields = ['position', ...Object.keys(SELECTED), 'taxonomy_codes', 'primary_switches'].map((f) => `${quotedString(f)}: ${f}`).join(', ');
  return `
    WITH records AS (
      SELECT
        (row_number() OVER ())::INTEGER AS position,
        ${selected.join(',\n        ')},
        ${value(positions.deactivationDate)} AS deactivation_date,
        ${value(positions.reactivationDate)} AS reactivation_date,
        [${codes}] AS taxonomy_codes,
        [${switches}] AS primary_switches
      FROM ${readCsvSql(spec.readPath, names.length)}
    ),
    classified AS (
      SELECT *,
        CASE
          WHEN NOT (${inHistory} OR ${inArea}) THEN ${quotedString(NOT_A_REFERRER)}
          WHEN ${deactivated} THEN ${quotedString(DEACTIVATED)}
        END AS skip_rule
      FROM records
    )
    SELECT skip_rule, count(*)::INTEGER AS records,
      list({${keptFields}}) FILTER (WHERE skip_rule IS NULL) AS kept
    FROM classified
    GROUP BY skip_rule`;
}

/** The reader's rejected records: one row per record (its reader line), with its first error. */
export const rejectsSql = `
  SELECT line::INTEGER AS line, min(column_idx)::INTEGER AS column_idx, arg_min(error_type, column_idx) AS error_type
  FROM temp.${REJECTS_TABLE}
  GROUP BY line ORDER BY line`;

export const dropRejectsSql = `DROP TABLE IF EXISTS temp.${REJECTS_TABLE}; DROP TABLE IF EXISTS temp.${REJECTS_SCAN_TABLE};`;
