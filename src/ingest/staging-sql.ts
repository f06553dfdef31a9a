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
// Layer by layer: each field's text is trimmed of white space, NULL when empty
// (texts); a value still holding a control character becomes NULL, with the
// problem named (cleaned); each column is parsed (parsed); a timestamp or
// date outside the plausible dates becomes NULL, with the problem named
// (checked); values from two columns are derived (derived); and each column's
// problem decides whether the record is quarantined or counted (typed).
//
// The result, `staged`, has one row per record the reader accepted, each
// file's records in their order (the files of a batch may interleave):
//   file_id: hash of the read path, the file the row came from (8 bytes; the
//     path itself cost a third of reading an event);
//   <landing columns>, with the MRN as read (see stagedColumn);
//   <col>__problem for each column;
//   quarantine_column/_reason/_value: the first problem that makes the record
//     unloadable.
import type { ColumnSpec, FeedConfig } from '../config/feed-schema.ts';
import { type LandingColumn, landingColumns } from '../contracts/landing.ts';
import type { ColumnContract, ExtractContract } from '../contracts/types.ts';
import {
  type ColumnFormats,
  CONTROL_CLASS,
  controlReasonSql,
  hasControlSql,
  implausibleReason,
  parseFailureReason,
  parseSql,
  plausibleSql,
  SPACE_CLASS,
} from '../contracts/value-sql.ts';
import { normalizeValue } from '../sources/value-map.ts';
import { quotedIdentifier, quotedString } from '../warehouse/sql.ts';
import type { ColumnSource, HeaderMapping, MappedFilter } from './header.ts';

export const REJECTS_TABLE = 'refloop_reject_errors';
export const REJECTS_SCAN_TABLE = 'refloop_reject_scans';

const MISSING = 'required value is missing';
const UNMAPPED = 'is not in the value map';
const NOT_TEXT = "holds bytes that are not text in the file's encoding";

/** A staged row that is loaded: not quarantined, not skipped by a filter. */
export const LOADABLE = '(quarantine_reason IS NULL AND skip_rule IS NULL)';

/** How DuckDB reads the batch's files: they share their header, delimiter and compression. */
export interface ReadOptions {
  delimiter: string;
  gzip: boolean;
  /** The files were transcoded with U+FFFD for bytes that were not text: such a value is a bad value. */
  replacementChars: boolean;
  /** Source values that name each service line (normalized): a service_line value is read through them. */
  serviceLines: readonly { value: string; id: string }[];
}

export function readCsvSql(paths: readonly string[], fieldCount: number, options: Pick<ReadOptions, 'delimiter' | 'gzip'>): string {
  const columns = Array.from({ length: fieldCount }, (_, i) => `'f${i}': 'VARCHAR'`).join(', ');
  return `read_csv([${paths.map(quotedString).join(', ')}], filename = true,
    columns = {${columns}},
    header = true, auto_detect = false, delim = ${quotedString(options.delimiter)}, quote = '"', escape = '"',
    strict_mode = true, null_padding = false, encoding = 'utf-8',
    compression = ${options.gzip ? "'gzip'" : "'none'"},
    store_rejects = true, rejects_table = ${quotedString(REJECTS_TABLE)}, rejects_scan = ${quotedString(REJECTS_SCAN_TABLE)})`;
}

/**
 * Whether a record needs care: some field it is read for starts or ends with
 * white space (SPACE_CLASS), or holds a control character. One regex over the
 * record's fields, joined by a noncharacter, is cheaper than testing both ends
 * of every field for each of twenty kinds of space (and trim() was a third of
 * a referral's typing): few records need care, and only theirs are trimmed and
 * searched field by field. A field that itself holds U+FFFF beside a space
 * only sends its record the careful way.
 */
function needsCareSql(positions: readonly number[]): string {
  if (positions.length === 0) return 'false';
  const joined = `concat_ws(chr(65535), ${positions.map((p) => `f${p}`).join(', ')})`;
  return `regexp_matches(${joined}, '(^|\\x{ffff})[${SPACE_CLASS}]|[${SPACE_CLASS}](\\x{ffff}|$)|[${CONTROL_CLASS}]')`;
}

/**
 * A field's text: trimmed of white space in a record that needs care (see
 * needsCareSql), NULL when empty. A regex trims: trim() with a set of
 * characters decodes the set for every value, ten times slower.
 */
function fieldSql(field: string, careful: boolean): string {
  return careful ? `nullif(regexp_replace(${field}, '^[${SPACE_CLASS}]+|[${SPACE_CLASS}]+$', '', 'g'), '')` : `nullif(${field}, '')`;
}

/** A canonical column's text from its source fields or constant (see header.ts). */
function sourceSql(source: ColumnSource, careful: boolean): string {
  if (source.from === 'value') return `${quotedString(source.value)}::VARCHAR`;
  const fields = source.positions.map((p) => fieldSql(`f${p}`, careful));
  if (fields.length === 1) return fields[0]!;
  return source.combine === 'first' ? `coalesce(${fields.join(', ')})` : `nullif(concat_ws(${quotedString(source.separator)}, ${fields.join(', ')}), '')`;
}

/** The text of a source, the careful way only in the records that need it. */
function textSql(source: ColumnSource): string {
  const quick = sourceSql(source, false);
  const careful = sourceSql(source, true);
  return quick === careful ? quick : `(CASE WHEN needs_care THEN ${careful} ELSE ${quick} END)`;
}

/**
 * A value as value maps, filters and service lines compare it: lower case.
 * It is trimmed already, of the same white space normalizeValue trims for
 * the adapters.
 */
const comparable = (v: string) => `lower(${v})`;

/** A filter's test on its column's text: true keeps the row. */
function filterSql({ position, filter }: MappedFilter): string {
  const v = textSql({ from: 'fields', positions: [position], combine: 'first', separator: ' ' });
  const list = (values: string[]) => values.map((x) => quotedString(normalizeValue(x))).join(', ');
  if (filter.in) return `coalesce(${comparable(v)} IN (${list(filter.in)}), false)`;
  if (filter.not_in) return `(${v} IS NULL OR ${comparable(v)} NOT IN (${list(filter.not_in)}))`;
  return filter.present ? `(${v} IS NOT NULL)` : `(${v} IS NULL)`;
}

interface ColumnExprs {
  column: ColumnContract;
  /** The parse of the raw text: the typed value, NULL when absent or unparseable (evaluated once, in the parsed layer). */
  parse: string;
  /** The parse's column: `value`, unless the parsed value is checked further. */
  parsed: string;
  /** The check of the parsed value (a plausible date), evaluated in the checked layer. */
  check?: string;
  /** The value's column, which every later layer reads. */
  value: string;
  /** Why the value is a problem, NULL when it is not. */
  problem: string;
  /** What the quarantine may show of the raw value (NULL for PHI). */
  shown: string;
}

/** @param options.keepShown keep each column's raw text (PHI withheld) beside its value: `refloop map` shows what mapped. */
export function stagingSql(
  contract: ExtractContract,
  header: HeaderMapping,
  feed: FeedConfig | undefined,
  readPaths: readonly string[],
  read: ReadOptions,
  options: { keepShown?: boolean } = {},
): string {
  // Each column's text, trimmed (the texts layer); then NULL if it holds a
  // control character, which its control column names (the cleaned layer).
  const texts = contract.columns.map((column) => {
    const mapped = header.columns.get(column.name);
    return `${mapped ? textSql(mapped.source) : 'NULL::VARCHAR'} AS ${quotedIdentifier(`${column.name}__text`)}`;
  });
  // The search stays inside the branch of the records that need care: the
  // optimizer hoists a condition written twice (needs_care AND search) into a
  // layer of its own, where it ran for every record.
  const cleaned = contract.columns.flatMap((column) => {
    const text = quotedIdentifier(`${column.name}__text`);
    const freeText = isFreeText(column);
    const search = hasControlSql(text, freeText);
    return [
      `(CASE WHEN needs_care THEN (CASE WHEN ${search} THEN NULL ELSE ${text} END) ELSE ${text} END) AS ${quotedIdentifier(column.name)}`,
      `(CASE WHEN needs_care THEN (CASE WHEN ${search} THEN ${controlReasonSql(text, freeText)} END) END) AS ${quotedIdentifier(`${column.name}__control`)}`,
    ];
  });
  const fieldsRead = [...header.columns.values()].flatMap(({ source }) => (source.from === 'fields' ? source.positions : []));
  const needsCare = needsCareSql([...new Set([...fieldsRead, ...header.filters.map((f) => f.position)])].sort((a, b) => a - b));
  const skipRule = header.filters.length
    ? `CASE ${header.filters.map((f) => `WHEN NOT ${filterSql(f)} THEN ${quotedString(f.name)}`).join(' ')} END`
    : 'NULL::VARCHAR';
  const origin = [
    `${header.originFile === undefined ? 'NULL::VARCHAR' : `f${header.originFile}`} AS origin_file`,
    `${header.originLine === undefined ? 'NULL::INTEGER' : `try_cast(f${header.originLine} AS INTEGER)`} AS origin_line`,
  ];
  const exprs = contract.columns.map((column) => columnExprs(column, contract, header.columns.get(column.name)?.spec, feed, read));
  // Each column is parsed once, in its own layer (DuckDB evaluates every
  // occurrence of an expression, and a parse appears in the value, the
  // problem and the quarantine columns); later layers read the parsed column.
  const parsed = exprs.map((e) => `${e.parse} AS ${e.parsed}`);
  // Checks of a parsed value read its column, so the parse is not repeated.
  const checked = exprs.filter((e) => e.check).map((e) => `${e.check} AS ${e.value}`);
  // Values derived from two parsed columns, once per row (a macro repeats its
  // argument wherever it is used: the age band's seven comparisons re-parsed
  // the receipt timestamp seven times, 43 µs a referral).
  const derived = exprs
    .filter((e) => e.column.phi === 'age_band')
    .map((e) => `refloop_age_years(${e.value}, refloop_local_date(${quotedIdentifier('received_at__value')})) AS ${quotedIdentifier(`${e.column.name}__age`)}`);
  const landed = landingColumns(contract).map((landing) => `${landingValue(landing.name, landing.from, exprs, contract)} AS ${quotedIdentifier(stagedColumn(landing))}`);
  const problems = exprs.map((e) => `${e.problem} AS ${quotedIdentifier(`${e.column.name}__problem`)}`);
  const blocking = blockingChecks(contract, exprs);
  const firstBlocking = (pick: (check: BlockingCheck) => string) =>
    blocking.length === 0 ? 'NULL' : `CASE WHEN skip_rule IS NULL THEN CASE ${blocking.map((check) => `WHEN ${check.when} THEN ${pick(check)}`).join(' ')} END END`;

  const excluded = [...(options.keepShown ? [] : exprs.map((e) => quotedIdentifier(`${e.column.name}__shown`))), ...(contract.oneOf ? ['one_of_missing'] : [])];

  return `CREATE OR REPLACE TEMP TABLE staged AS
SELECT *${excluded.length ? ` EXCLUDE (${excluded.join(', ')})` : ''},
  ${firstBlocking((c) => c.column)} AS quarantine_column,
  ${firstBlocking((c) => c.reason)} AS quarantine_reason,
  ${firstBlocking((c) => c.shown)} AS quarantine_value
FROM (
  SELECT
    ${['file_id', 'skip_rule', 'origin_file', 'origin_line', ...oneOfMissing(contract, exprs), ...landed, ...problems, ...exprs.map((e) => `${e.shown} AS ${quotedIdentifier(`${e.column.name}__shown`)}`)].join(',\n    ')}
  FROM (
    SELECT checked.*${derived.length ? `, ${derived.join(', ')}` : ''}
    FROM (
      SELECT parsed.*${checked.length ? `, ${checked.join(', ')}` : ''}
      FROM (
        SELECT cleaned.*, ${parsed.join(', ')}
        FROM (
          SELECT file_id, skip_rule, origin_file, origin_line, ${cleaned.join(', ')}
          FROM (
            SELECT hash(filename) AS file_id, ${skipRule} AS skip_rule, ${[...origin, ...texts].join(', ')}, needs_care
            FROM (SELECT *, ${needsCare} AS needs_care FROM ${readCsvSql(readPaths, header.sourceNames.length, read)}) AS fields
          ) AS texts
        ) AS cleaned
      ) AS parsed
    ) AS checked
  ) AS derived
) AS typed`;
}

/** Whether a record has none of its `oneOf` columns (evaluated where the parsed values are in scope). */
function oneOfMissing(contract: ExtractContract, exprs: ColumnExprs[]): string[] {
  if (!contract.oneOf) return [];
  const values = contract.oneOf.map((name) => exprs.find((e) => e.column.name === name)!.value);
  return [`(${values.map((v) => `${v} IS NULL`).join(' AND ')}) AS one_of_missing`];
}

interface BlockingCheck {
  when: string;
  column: string;
  reason: string;
  shown: string;
}

/**
 * What makes a record unloadable, in order: a required column's problem, then
 * a record with none of its `oneOf` columns (a provider needs a valid NPI or a
 * provider_id: an invalid NPI with no provider_id is quarantined on the NPI).
 */
function blockingChecks(contract: ExtractContract, exprs: ColumnExprs[]): BlockingCheck[] {
  const problem = (e: ColumnExprs) => quotedIdentifier(`${e.column.name}__problem`);
  const checks = exprs
    .filter((e) => e.column.required)
    .map((e) => ({ when: `${problem(e)} IS NOT NULL`, column: quotedString(e.column.name), reason: problem(e), shown: quotedIdentifier(`${e.column.name}__shown`) }));
  if (contract.oneOf) {
    const alternatives = contract.oneOf.map((name) => exprs.find((e) => e.column.name === name)!);
    const none = 'one_of_missing';
    const firstBad = (pick: (e: ColumnExprs) => string, otherwise: string) =>
      `CASE ${alternatives.map((e) => `WHEN ${problem(e)} IS NOT NULL THEN ${pick(e)}`).join(' ')} ELSE ${otherwise} END`;
    checks.push({
      when: none,
      column: firstBad((e) => quotedString(e.column.name), quotedString(contract.oneOf.join(', '))),
      reason: firstBad(problem, quotedString(`required: one of ${contract.oneOf.join(', ')} is missing`)),
      shown: firstBad((e) => quotedIdentifier(`${e.column.name}__shown`), 'NULL::VARCHAR'),
    });
  }
  return checks;
}

/** The formats of a column: its own, else the feed's default for its type. */
function formatsOf(column: ColumnContract, spec: ColumnSpec | undefined, feed: FeedConfig | undefined): ColumnFormats {
  const feedFormat = column.type.kind === 'timestamp' ? feed?.timestamp_format : column.type.kind === 'date' ? feed?.date_format : undefined;
  const zone = spec?.timezone ?? feed?.timezone;
  return {
    formats: spec?.formats ?? (feedFormat ? [feedFormat] : undefined),
    zone: zone === undefined || zone === 'practice' ? undefined : zone,
  };
}

/** The value map of a column as SQL over its text `v`, and the test that the value was not in it. */
function valueMapSql(v: string, spec: ColumnSpec): { mapped: string; unmapped: string } | undefined {
  if (!spec.values) return undefined;
  // Keys equal once normalized: the later entry wins, as in the adapters' maps (value-map.ts).
  const entries = [...new Map(Object.entries(spec.values).map(([from, to]) => [normalizeValue(from), to])).entries()];
  const keys = entries.map(([from]) => quotedString(from));
  const otherwise = spec.unmapped === undefined || spec.unmapped === 'keep' ? v : spec.unmapped === 'null' || spec.unmapped === 'quarantine' ? 'NULL' : quotedString(spec.unmapped);
  return {
    mapped: `(CASE ${comparable(v)} ${entries.map(([from, to]) => `WHEN ${quotedString(from)} THEN ${quotedString(to)}`).join(' ')} ELSE ${otherwise} END)`,
    unmapped: `(${v} IS NOT NULL AND ${comparable(v)} NOT IN (${keys.join(', ')}))`,
  };
}

/**
 * A service line names the configured line it matches by id, name or alias
 * (case-insensitively); a value matching none is kept as written, trimmed
 * (an unknown line: loaded, out of scope).
 */
function serviceLineSql(v: string, lines: ReadOptions['serviceLines']): string {
  if (lines.length === 0) return v;
  return `(CASE ${comparable(v)} ${lines.map((l) => `WHEN ${quotedString(l.value)} THEN ${quotedString(l.id)}`).join(' ')} ELSE ${v} END)`;
}

/**
 * Free text may hold tabs and line breaks inside (a note on several lines).
 * The columns refloop never stores are the free text of an extract (a note, a
 * name or phone as typed); every stored value is one line of text.
 */
const isFreeText = (column: ColumnContract) => column.phi === 'never_store';

function columnExprs(column: ColumnContract, contract: ExtractContract, spec: ColumnSpec | undefined, feed: FeedConfig | undefined, read: ReadOptions): ColumnExprs {
  const v = quotedIdentifier(column.name);
  const value = quotedIdentifier(`${column.name}__value`);
  const plausible = plausibleSql(column.type, quotedIdentifier(`${column.name}__parsed`));
  const parsed = plausible ? quotedIdentifier(`${column.name}__parsed`) : value;
  const control = quotedIdentifier(`${column.name}__control`);
  const map = spec ? valueMapSql(v, spec) : undefined;
  const text = column.name === 'service_line' ? serviceLineSql(map?.mapped ?? v, read.serviceLines) : (map?.mapped ?? v);
  const formats = formatsOf(column, spec, feed);
  let parse = parseSql(column.type, text, formats);
  let failure = quotedString(parseFailureReason(column.type, formats));
  if (column.phi === 'zip3') {
    parse = `refloop_zip3(${text})`;
    failure = quotedString('is not a ZIP code');
  }
  if (read.replacementChars) parse = `(CASE WHEN NOT contains(${v}, '\uFFFD') THEN ${parse} END)`;
  // The age at receipt is derived once per row in its own column (see stagingSql).
  const afterReceipt =
    column.phi === 'age_band' && contract.columns.some((c) => c.name === 'received_at')
      ? `WHEN ${quotedIdentifier(`${column.name}__age`)} < 0 THEN 'is after received_at'`
      : '';
  const rejectsUnmapped = map && (spec?.unmapped === 'null' || spec?.unmapped === 'quarantine');
  const problem = `(CASE ${[
    `WHEN ${control} IS NOT NULL THEN ${control}`,
    column.required ? `WHEN ${v} IS NULL THEN ${quotedString(MISSING)}` : '',
    read.replacementChars ? `WHEN contains(${v}, '\uFFFD') THEN ${quotedString(NOT_TEXT)}` : '',
    rejectsUnmapped ? `WHEN ${map.unmapped} THEN ${quotedString(UNMAPPED)}` : '',
    `WHEN ${text} IS NOT NULL AND ${parsed} IS NULL THEN ${failure}`,
    plausible ? `WHEN ${parsed} IS NOT NULL AND ${value} IS NULL THEN ${quotedString(implausibleReason())}` : '',
    afterReceipt,
  ].join(' ')} END)`;
  return {
    column,
    parse,
    parsed,
    ...(plausible ? { check: `(CASE WHEN ${plausible} THEN ${parsed} END)` } : {}),
    value,
    problem,
    shown: column.phi ? 'NULL::VARCHAR' : v,
  };
}

/**
 * The column of `staged` a landing column comes from: its own name, except the
 * patient's MRN, which `staged` holds as read (a temporary table, never the
 * warehouse) so that it is pseudonymized once per patient as it lands.
 */
export function stagedColumn(landing: LandingColumn): string {
  return landing.from.phi === 'pseudonymize' ? landing.from.name : landing.name;
}

function landingValue(name: string, column: ColumnContract, exprs: ColumnExprs[], contract: ExtractContract): string {
  if (contract.derivedKey?.name === name) {
    return `coalesce(${contract.derivedKey.firstOf.map((from) => exprs.find((e) => e.column.name === from)!.value).join(', ')})`;
  }
  const expr = exprs.find((e) => e.column === column)!;
  // Pseudonymized when it lands (load-batch.ts), once per patient rather than per row.
  if (column.phi === 'pseudonymize') return quotedIdentifier(column.name);
  if (column.phi === 'age_band') return `refloop_age_band(${quotedIdentifier(`${column.name}__age`)})`;
  if (name.startsWith('has_invalid_')) return `(${quotedIdentifier(column.name)} IS NOT NULL AND ${expr.value} IS NULL)`;
  if (column.default !== undefined) return `coalesce(${expr.value}, ${quotedString(column.default)})`;
  return expr.value;
}
