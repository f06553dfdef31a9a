// The SQL that reads a batch of extract files of one kind and layout (the same
// header) and types them, built from their contract. One read of many files
// lets DuckDB's threads share the work (a small file is read by one thread).
//
// DuckDB reads every field as declared VARCHAR (no sniffing), in strict mode,
// with malformed records set aside in its rejects table. Typing happens here
// rather than in the reader because the contract's rules are not the reader's:
// an optional value that does not parse loads as null (the referral is real),
// enums match in any case, timestamps follow the practice's zone, and each
// rejected record needs its first problem by column. Every column of the
// contract is parsed, so every column is validated whether or not a model
// reads it; names and phones are read by the reader (so the record's shape is
// checked) and never selected.
//
// The result, `staged`, has one row per record the reader accepted, each
// file's records in their order (the files of a batch may interleave):
//   file_id: hash of the read path, the file the row came from (8 bytes; the
//     path itself cost a third of reading an event);
//   <landing columns>, with the MRN as read (see stagedColumn);
//   <col>__problem for each column;
//   quarantine_column/_reason/_value: the first problem that makes the record
//     unloadable.
import type { FeedConfig } from '../config/schema.ts';
import { type LandingColumn, landingColumns } from '../contracts/landing.ts';
import type { ColumnContract, ExtractContract } from '../contracts/types.ts';
import { type FeedFormats, parseFailureReason, parseSql, sqlString } from '../contracts/value-sql.ts';
import type { HeaderMapping } from './header.ts';

export const REJECTS_TABLE = 'refloop_reject_errors';
export const REJECTS_SCAN_TABLE = 'refloop_reject_scans';

const MISSING = 'required value is missing';
const quoted = (name: string) => `"${name}"`;

/** The files must share their header and their compression. */
export function readCsvSql(paths: readonly string[], fieldCount: number): string {
  const columns = Array.from({ length: fieldCount }, (_, i) => `'f${i}': 'VARCHAR'`).join(', ');
  return `read_csv([${paths.map(sqlString).join(', ')}], filename = true,
    columns = {${columns}},
    header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
    strict_mode = true, null_padding = false, encoding = 'utf-8',
    compression = ${paths[0]?.endsWith('.gz') ? "'gzip'" : "'none'"},
    store_rejects = true, rejects_table = '${REJECTS_TABLE}', rejects_scan = '${REJECTS_SCAN_TABLE}')`;
}

/**
 * The value with surrounding spaces and tabs trimmed, NULL when empty. Few
 * values need trimming, and testing both ends is several times cheaper than
 * trim() (which was a third of a referral's typing).
 */
function cleanSql(field: string): string {
  const padded = ['starts_with', 'ends_with'].flatMap((test) => [`${test}(${field}, ' ')`, `${test}(${field}, E'\\t')`]).join(' OR ');
  return `(CASE WHEN ${padded} THEN nullif(trim(${field}, E' \\t'), '') ELSE nullif(${field}, '') END)`;
}

interface ColumnExprs {
  column: ColumnContract;
  /** The parse of the raw text: the typed value, NULL when absent or unparseable (evaluated once, in the parsed layer). */
  parse: string;
  /** The parsed value's column, which every later layer reads. */
  value: string;
  /** Why the value is a problem, NULL when it is not. */
  problem: string;
  /** What the quarantine may show of the raw value (NULL for PHI). */
  shown: string;
}

export function stagingSql(contract: ExtractContract, header: HeaderMapping, feed: FeedConfig | undefined, readPaths: readonly string[]): string {
  const cleaned = contract.columns.map((column) => {
    const position = header.positions.get(column.name);
    return `${position === undefined ? 'NULL::VARCHAR' : cleanSql(`f${position}`)} AS ${quoted(column.name)}`;
  });
  const exprs = contract.columns.map((column) => columnExprs(column, contract, feed ?? {}));
  // Each column is parsed once, in its own layer (DuckDB evaluates every
  // occurrence of an expression, and a parse appears in the value, the
  // problem and the quarantine columns); later layers read the parsed column.
  const parsed = exprs.map((e) => `${e.parse} AS ${e.value}`);
  // Values derived from two parsed columns, once per row (a macro repeats its
  // argument wherever it is used: the age band's seven comparisons re-parsed
  // the receipt timestamp seven times, 43 µs a referral).
  const derived = exprs
    .filter((e) => e.column.phi === 'age_band')
    .map((e) => `refloop_age_years(${e.value}, refloop_local_date(${quoted('received_at__value')})) AS ${quoted(`${e.column.name}__age`)}`);
  const landed = landingColumns(contract).map((landing) => `${landingValue(landing.name, landing.from, exprs)} AS ${quoted(stagedColumn(landing))}`);
  const problems = exprs.map((e) => `${e.problem} AS ${quoted(`${e.column.name}__problem`)}`);
  const blocking = exprs.filter((e) => e.column.required);
  const firstBlocking = (pick: (e: ColumnExprs) => string) =>
    blocking.length === 0
      ? 'NULL'
      : `CASE ${blocking.map((e) => `WHEN ${quoted(`${e.column.name}__problem`)} IS NOT NULL THEN ${pick(e)}`).join(' ')} END`;

  return `CREATE OR REPLACE TEMP TABLE staged AS
SELECT * EXCLUDE (${exprs.map((e) => quoted(`${e.column.name}__shown`)).join(', ')}),
  ${firstBlocking((e) => sqlString(e.column.name))} AS quarantine_column,
  ${firstBlocking((e) => quoted(`${e.column.name}__problem`))} AS quarantine_reason,
  ${firstBlocking((e) => `${quoted(`${e.column.name}__shown`)}`)} AS quarantine_value
FROM (
  SELECT
    ${['file_id', ...landed, ...problems, ...exprs.map((e) => `${e.shown} AS ${quoted(`${e.column.name}__shown`)}`)].join(',\n    ')}
  FROM (
    SELECT parsed.*${derived.length ? `, ${derived.join(', ')}` : ''}
    FROM (
      SELECT cleaned.*, ${parsed.join(', ')}
      FROM (
        SELECT hash(filename) AS file_id, ${cleaned.join(', ')}
        FROM ${readCsvSql(readPaths, header.sourceNames.length)}
      ) AS cleaned
    ) AS parsed
  ) AS derived
) AS typed`;
}

function columnExprs(column: ColumnContract, contract: ExtractContract, feed: FeedFormats): ColumnExprs {
  const v = quoted(column.name);
  const value = quoted(`${column.name}__value`);
  let parse = parseSql(column.type, v, feed);
  let failure = sqlString(parseFailureReason(column.type, feed));
  if (column.phi === 'zip3') {
    parse = `refloop_zip3(${v})`;
    failure = sqlString('is not a ZIP code');
  }
  // The age at receipt is derived once per row in its own column (see stagingSql).
  const afterReceipt =
    column.phi === 'age_band' && contract.columns.some((c) => c.name === 'received_at')
      ? `WHEN ${quoted(`${column.name}__age`)} < 0 THEN 'is after received_at'`
      : '';
  const problem = `(CASE ${[
    column.required ? `WHEN ${v} IS NULL THEN ${sqlString(MISSING)}` : '',
    `WHEN ${v} IS NOT NULL AND ${value} IS NULL THEN ${failure}`,
    afterReceipt,
  ].join(' ')} END)`;
  return { column, parse, value, problem, shown: column.phi ? 'NULL::VARCHAR' : v };
}

/**
 * The column of `staged` a landing column comes from: its own name, except the
 * patient's MRN, which `staged` holds as read (a temporary table, never the
 * warehouse) so that it is pseudonymized once per patient as it lands.
 */
export function stagedColumn(landing: LandingColumn): string {
  return landing.from.phi === 'pseudonymize' ? landing.from.name : landing.name;
}

function landingValue(name: string, column: ColumnContract, exprs: ColumnExprs[]): string {
  const expr = exprs.find((e) => e.column === column)!;
  // Pseudonymized when it lands (load-batch.ts), once per patient rather than per row.
  if (column.phi === 'pseudonymize') return quoted(column.name);
  if (column.phi === 'age_band') return `refloop_age_band(${quoted(`${column.name}__age`)})`;
  if (name.startsWith('has_invalid_')) return `(${quoted(column.name)} IS NOT NULL AND ${expr.value} IS NULL)`;
  if (column.default !== undefined) return `coalesce(${expr.value}, ${sqlString(column.default)})`;
  return expr.value;
}
