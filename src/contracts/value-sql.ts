// How each value type of the contract is read in SQL: an expression that yields
// the typed value (NULL when it does not parse) and the reason given when it
// does not. `v` is always the trimmed text, NULL when empty.
import { quotedString } from '../warehouse/sql.ts';
import type { ValueType } from './types.ts';

/**
 * How a column's timestamps or dates are written: strptime formats tried in
 * order ('iso' is the contract's own), and the zone of wall-clock times
 * (undefined: the practice's).
 */
export interface ColumnFormats {
  formats?: readonly string[] | undefined;
  zone?: string | undefined;
}

/** The old name of quotedString, for the modules not yet moved to it. */
export { quotedString as sqlString };

/**
 * The white space trimmed from both ends of a value, as an RE2 character class
 * body: what JavaScript's `\s` matches (ASCII tab, line ends, vertical tab,
 * form feed and space; every Unicode space separator, such as the no-break
 * space a spreadsheet leaves and the ideographic space; the line and
 * paragraph separators; the byte-order mark), so the SQL and the adapters'
 * value maps trim alike.
 */
export const SPACE_CLASS = '\\t-\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';
/** Unicode's control characters (C0, DEL, C1) as an RE2 class body. */
export const CONTROL_CLASS = '\\x00-\\x1f\\x7f-\\x{9f}';
/**
 * The control characters a free-text value may hold inside: tab and line
 * ends (a note written on several lines). Only the columns refloop never
 * stores are free text (see staging-sql.ts).
 */
const FREE_TEXT_CONTROL_CLASS = '\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x{9f}';

/**
 * The SQL test that a trimmed value holds a control character it may not hold.
 * A NUL in an id makes a key that looks like another; a line break in a name
 * splits a chart label: such a value is a bad value of its column.
 */
export const hasControlSql = (v: string, freeText: boolean) => `regexp_matches(${v}, '[${freeText ? FREE_TEXT_CONTROL_CLASS : CONTROL_CLASS}]')`;

/** Why such a value is bad, naming the first control character (a code point, never the value). */
export const controlReasonSql = (v: string, freeText: boolean) =>
  `('holds a control character (U+' || printf('%04X', unicode(regexp_extract(${v}, '[${freeText ? FREE_TEXT_CONTROL_CLASS : CONTROL_CLASS}]'))) || ')')`;

/**
 * The dates a timestamp or date of an extract can plausibly fall on, in the
 * practice's local time. Before: 1900-01-01 and 1899-12-30/31 are the zero
 * dates of SQL Server and spreadsheets, which systems write for "no date", and
 * no living patient was born before 1901. After: 9999-12-31 and the like mean
 * "no end", and the zone's clock changes are worked out only to 2100.
 */
export const PLAUSIBLE_DATES = { from: '1901-01-01', through: '2099-12-31' } as const;
const IMPLAUSIBLE = `is outside the plausible dates ${PLAUSIBLE_DATES.from} to ${PLAUSIBLE_DATES.through}`;

const TIMESTAMP_DEFAULT = '\\d{4}-\\d{2}-\\d{2}[ T]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?';
/** UTC offsets that exist: -12:00 … +14:00 (a +99:99 or a +14:30 is not one). */
const OFFSET = '(Z|\\+(?:0\\d|1[0-3]):[0-5]\\d|\\+14:00|-(?:0\\d|1[01]):[0-5]\\d|-12:00)';
/** The same range as strptime's %z writes it: ±HH, ±HHMM or ±HH:MM. */
const STRPTIME_OFFSET = '\\+(?:0\\d|1[0-3])(?::?[0-5]\\d)?|\\+14(?::?00)?|-(?:0\\d|1[01])(?::?[0-5]\\d)?|-12(?::?00)?';

/** The typed value of `v`, or NULL when it does not parse. */
export function parseSql(type: ValueType, v: string, formats: ColumnFormats = {}): string {
  switch (type.kind) {
    case 'text':
      return type.letterCase === 'lower' ? `lower(${v})` : v;
    case 'timestamp':
      return parseTimestampSql(v, formats);
    case 'date': {
      const isoDate = `CASE WHEN regexp_full_match(${v}, '\\d{4}-\\d{2}-\\d{2}') THEN try_cast(${v} AS DATE) END`;
      const date = formats.formats
        ? coalesced(formats.formats.map((f) => (f === 'iso' ? isoDate : `CAST(try_strptime(${v}, ${quotedString(f)}) AS DATE)`)))
        : isoDate;
      return type.mondayOnly ? `(CASE WHEN isodow(${date}) = 1 THEN ${date} END)` : date;
    }
    case 'enum': {
      const fold = type.letterCase === 'upper' ? 'upper' : 'lower';
      const values = type.values.map((x) => quotedString(fold === 'upper' ? x.toUpperCase() : x.toLowerCase())).join(', ');
      return `(CASE WHEN ${fold}(${v}) IN (${values}) THEN ${fold}(${v}) END)`;
    }
    case 'npi':
      return `(CASE WHEN refloop_npi_is_valid(${v}) THEN ${v} END)`;
    case 'icd10':
      // ICD-10-CM: a letter, a digit, a digit or letter (I25, C4A), then an
      // optional '.' and up to four more characters.
      return `(CASE WHEN regexp_full_match(${v}, '[A-Za-z][0-9][0-9A-Za-z](\\.?[0-9A-Za-z]{1,4})?') THEN upper(${v}) END)`;
    case 'list':
      // The value is trimmed already; splitting on a regex trims each item of
      // the same white space (trim() with a set of characters is ten times slower).
      return `list_filter(string_split_regex(lower(${v}), '[${SPACE_CLASS}]*;[${SPACE_CLASS}]*'), x -> x <> '')`;
    case 'count':
      return `(CASE WHEN regexp_full_match(${v}, '[0-9]{1,9}') THEN CAST(${v} AS INTEGER) END)`;
  }
}

const coalesced = (exprs: string[]) => (exprs.length === 1 ? exprs[0]! : `coalesce(${exprs.join(', ')})`);

function parseTimestampSql(v: string, { formats, zone }: ColumnFormats): string {
  // A wall-clock time is the practice's (with its gap and fall-back rules) or the column's zone's.
  const wallClock = (ts: string) => (zone === undefined ? `refloop_local_instant(${ts})` : `timezone(${quotedString(zone)}, ${ts})`);
  const iso =
    zone === undefined
      ? `refloop_parse_timestamp(${v})`
      : `(CASE WHEN regexp_full_match(${v}, '${TIMESTAMP_DEFAULT}${OFFSET}') THEN refloop_parse_timestamp(${v})
          WHEN regexp_full_match(${v}, '${TIMESTAMP_DEFAULT}') THEN ${wallClock(`try_cast(${v} AS TIMESTAMP)`)} END)`;
  if (!formats) return iso;
  // A format with an offset (%z) yields an instant; without one, a wall-clock time.
  return coalesced(
    formats.map((format) => {
      if (format === 'iso') return iso;
      const parsed = `try_strptime(${v}, ${quotedString(format)})`;
      if (/%Z/.test(format)) return `CAST(${parsed} AS TIMESTAMPTZ)`;
      if (!/%z/.test(format)) return wallClock(parsed);
      // strptime's %z takes any two-digit hours and minutes (+99:99 moves the
      // time by four days): the offset as written must be one that exists.
      const offset = `regexp_extract(${v}, ${quotedString(offsetFinder(format))}, 1)`;
      return `(CASE WHEN regexp_full_match(${offset}, '${STRPTIME_OFFSET}') THEN CAST(${parsed} AS TIMESTAMPTZ) END)`;
    }),
  );
}

/**
 * A regex over a value written in a strptime format with %z that captures the
 * offset as written: each other field matches lazily, literals match
 * themselves, and a space matches any run of spaces (as strptime's does).
 */
export function offsetFinder(format: string): string {
  let pattern = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%') {
      let code = format[++i];
      if (code === '-') code = format[++i];
      if (code === '%') pattern += '%';
      else pattern += code === 'z' ? '([+-]\\d{2}(?::?\\d{2})?)' : '.+?';
    } else if (/\s/.test(c)) pattern += '\\s*';
    else pattern += c.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  }
  return `^${pattern}$`;
}

/**
 * The test that a parsed timestamp or date is plausible (PLAUSIBLE_DATES), or
 * undefined for a type that is neither. `v` is the parsed value's column.
 */
export function plausibleSql(type: ValueType, v: string): string | undefined {
  if (type.kind === 'timestamp') return `refloop_plausible_instant(${v})`;
  if (type.kind === 'date') return `(${v} BETWEEN DATE '${PLAUSIBLE_DATES.from}' AND DATE '${PLAUSIBLE_DATES.through}')`;
  return undefined;
}

/** Why a parsed timestamp or date is not used. */
export const implausibleReason = () => IMPLAUSIBLE;

/** Why a present value of this type did not parse: "'<value>' <reason>". */
export function parseFailureReason(type: ValueType, { formats }: ColumnFormats = {}): string {
  const declared = formats?.filter((f) => f !== 'iso') ?? [];
  const inFormats = (what: string, iso: string) =>
    declared.length === 0 ? `is not a ${what} (${iso})` : `is not a ${what} in format ${[...(formats!.includes('iso') ? [iso] : []), ...declared].join(' or ')}`;
  switch (type.kind) {
    case 'text':
    case 'list':
      return 'is not text';
    case 'timestamp': {
      const notTimestamp = inFormats('timestamp', 'YYYY-MM-DD HH:MM[:SS], optionally with Z or an offset from -12:00 to +14:00');
      return declared.some((f) => f.includes('%z')) ? `${notTimestamp} (with an offset from -12:00 to +14:00)` : notTimestamp;
    }
    case 'date': {
      const notDate = inFormats('date', 'YYYY-MM-DD');
      return type.mondayOnly ? `${notDate} that falls on a Monday` : notDate;
    }
    case 'enum':
      return `is not one of ${type.values.join(', ')}`;
    case 'npi':
      return 'is not a valid NPI (10 digits ending in the Luhn check digit)';
    case 'icd10':
      return 'is not an ICD-10-CM code';
    case 'count':
      return 'is not a whole number';
  }
}

/**
 * Local dates on which the zone's UTC offset changes, with their neighbours
 * (a change at midnight makes the day before ambiguous): 1970–2100. A day
 * whose midnight is not 24 hours before the next one's holds a change: one
 * ICU call a day, 48,000 of them, 40 ms of every command's start.
 */
function transitionDaysSql(tz: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${TRANSITION_DAYS} AS
WITH midnights AS (
  SELECT d, timezone(${tz}, CAST(d AS TIMESTAMP)) AS instant
  FROM (SELECT CAST(r.d AS DATE) AS d FROM range(DATE '1970-01-01', DATE '2100-01-02', INTERVAL 1 DAY) AS r(d))
),
changes AS (
  SELECT d FROM (SELECT d, epoch(lead(instant) OVER (ORDER BY d)) - epoch(instant) AS seconds FROM midnights) WHERE seconds <> 86400
)
SELECT DISTINCT unnest([d - 1, d, d + 1]) AS day FROM changes;`;
}

/** The same table from the days another connection found (transitionDaysQuery): a staging instance starts without the ICU calls. */
function transitionDaysFromListSql(days: readonly string[]): string {
  // One string split into dates: DuckDB took 10–20 ms to bind a list of 780
  // DATE literals (every open of the warehouse, every staging connection), 2 ms for this.
  const split = days.length ? `CAST(unnest(string_split(${quotedString(days.join(','))}, ',')) AS DATE)` : 'unnest(CAST([] AS DATE[]))';
  return `CREATE OR REPLACE TEMP TABLE ${TRANSITION_DAYS} AS SELECT ${split} AS day;`;
}

const TRANSITION_DAYS = 'refloop_transition_days';

/** The transition days of a connection that ran sessionMacrosSql, as text, for another's sessionMacrosSql. */
export const transitionDaysQuery = `SELECT CAST(day AS VARCHAR) AS day FROM ${TRANSITION_DAYS} ORDER BY day`;

/**
 * Session macros the ingest SQL uses. They are TEMP so no schema change ever
 * reaches the warehouse's WAL during a load. With `transitionDays` (another
 * connection's, same zone) the transition table is written from them.
 */
export function sessionMacrosSql(timezone: string, transitionDays?: readonly string[]): string {
  const tz = quotedString(timezone);
  return `
${transitionDays ? transitionDaysFromListSql(transitionDays) : transitionDaysSql(tz)}
-- A wall-clock time in the practice's zone as an instant. ICU moves a time in
-- the spring-forward gap forward by the gap (as extracts.md asks) but resolves
-- a fall-back hour to its second occurrence; extracts.md wants the first, so
-- step back when the earlier instant shows the same wall-clock time. That
-- check costs two more ICU calls, so it runs only on transition days.
CREATE OR REPLACE TEMP MACRO refloop_local_instant(ts) AS (
  CASE
    WHEN ts IS NULL THEN NULL
    WHEN CAST(ts AS DATE) NOT IN (SELECT day FROM refloop_transition_days) THEN timezone(${tz}, ts)
    WHEN timezone(${tz}, timezone(${tz}, ts) - INTERVAL 1 HOUR) = ts THEN timezone(${tz}, ts) - INTERVAL 1 HOUR
    WHEN timezone(${tz}, timezone(${tz}, ts) - INTERVAL 30 MINUTE) = ts THEN timezone(${tz}, ts) - INTERVAL 30 MINUTE
    ELSE timezone(${tz}, ts)
  END
);
-- An instant whose local date is plausible (PLAUSIBLE_DATES in value-sql.ts);
-- the bounds are constants, folded once.
CREATE OR REPLACE TEMP MACRO refloop_plausible_instant(ts) AS (
  ts >= timezone(${tz}, TIMESTAMP '${PLAUSIBLE_DATES.from} 00:00:00')
  AND ts < timezone(${tz}, TIMESTAMP '${PLAUSIBLE_DATES.through} 00:00:00' + INTERVAL 1 DAY)
);
CREATE OR REPLACE TEMP MACRO refloop_parse_timestamp(v) AS (
  CASE
    -- DuckDB's cast wants seconds when an offset is given: add :00 if missing.
    WHEN regexp_full_match(v, '${TIMESTAMP_DEFAULT}${OFFSET}') THEN
      try_cast(regexp_replace(v, '^(.{10})[ T](\\d{2}:\\d{2})${OFFSET}$', '\\1 \\2:00\\3') AS TIMESTAMPTZ)
    WHEN regexp_full_match(v, '${TIMESTAMP_DEFAULT}') THEN refloop_local_instant(try_cast(v AS TIMESTAMP))
  END
);
-- NPI check digit: Luhn over 80840 followed by the first nine digits. The
-- prefix 80840 always adds 24 to the Luhn sum. Digits in odd positions are
-- doubled; '0246813579' gives a doubled digit's digit sum (unrolled: a
-- lambda over a list per row made this the slowest check of a referral).
CREATE OR REPLACE TEMP MACRO refloop_npi_doubled(v, i) AS (CAST(substr('0246813579', CAST(substr(v, i, 1) AS INTEGER) + 1, 1) AS INTEGER));
CREATE OR REPLACE TEMP MACRO refloop_npi_digit(v, i) AS (CAST(substr(v, i, 1) AS INTEGER));
CREATE OR REPLACE TEMP MACRO refloop_npi_is_valid(v) AS (
  CASE
    WHEN v IS NULL OR NOT regexp_full_match(v, '[0-9]{10}') THEN false
    ELSE (24
      + refloop_npi_doubled(v, 1) + refloop_npi_digit(v, 2) + refloop_npi_doubled(v, 3) + refloop_npi_digit(v, 4)
      + refloop_npi_doubled(v, 5) + refloop_npi_digit(v, 6) + refloop_npi_doubled(v, 7) + refloop_npi_digit(v, 8)
      + refloop_npi_doubled(v, 9) + refloop_npi_digit(v, 10)) % 10 = 0
  END
);
-- Age in completed years on a date; a Feb 29 birthday completes its year on Mar 1.
CREATE OR REPLACE TEMP MACRO refloop_age_years(birth, on_date) AS (
  year(on_date) - year(birth) - CASE WHEN month(on_date) * 100 + day(on_date) < month(birth) * 100 + day(birth) THEN 1 ELSE 0 END
);
CREATE OR REPLACE TEMP MACRO refloop_age_band(age) AS (
  CASE
    WHEN age IS NULL OR age < 0 THEN NULL
    WHEN age <= 17 THEN '0-17'
    WHEN age <= 34 THEN '18-34'
    WHEN age <= 49 THEN '35-49'
    WHEN age <= 64 THEN '50-64'
    WHEN age <= 74 THEN '65-74'
    WHEN age <= 89 THEN '75-89'
    ELSE '90+'
  END
);
-- HIPAA Safe Harbor: the first three ZIP digits may be kept only where that
-- area holds more than 20,000 people; these prefixes (2010 Census, as HHS
-- lists them) do not, and become 000.
CREATE OR REPLACE TEMP MACRO refloop_zip3(v) AS (
  CASE
    WHEN NOT regexp_full_match(v, '[0-9]{5}(-?[0-9]{4})?') THEN NULL
    WHEN left(v, 3) IN ('036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893') THEN '000'
    ELSE left(v, 3)
  END
);
CREATE OR REPLACE TEMP MACRO refloop_local_date(ts) AS (CAST(timezone(${tz}, ts) AS DATE));
`;
}
