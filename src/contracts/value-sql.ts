// How each value type of the contract is read in SQL: an expression that yields
// the typed value (NULL when it does not parse) and the reason given when it
// does not. `v` is always the trimmed text, NULL when empty.
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

export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

const TIMESTAMP_DEFAULT = '\\d{4}-\\d{2}-\\d{2}[ T]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?';
/** UTC offsets that exist: -12:00 … +14:00 (a +99:99 is not a time). */
const OFFSET = '(Z|[+-](0\\d|1[0-4]):[0-5]\\d)';

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
        ? coalesced(formats.formats.map((f) => (f === 'iso' ? isoDate : `CAST(try_strptime(${v}, ${sqlString(f)}) AS DATE)`)))
        : isoDate;
      return type.mondayOnly ? `(CASE WHEN isodow(${date}) = 1 THEN ${date} END)` : date;
    }
    case 'enum': {
      const fold = type.letterCase === 'upper' ? 'upper' : 'lower';
      const values = type.values.map((x) => sqlString(fold === 'upper' ? x.toUpperCase() : x.toLowerCase())).join(', ');
      return `(CASE WHEN ${fold}(${v}) IN (${values}) THEN ${fold}(${v}) END)`;
    }
    case 'npi':
      return `(CASE WHEN refloop_npi_is_valid(${v}) THEN ${v} END)`;
    case 'icd10':
      // ICD-10-CM: a letter, a digit, a digit or letter (I25, C4A), then an
      // optional '.' and up to four more characters.
      return `(CASE WHEN regexp_full_match(${v}, '[A-Za-z][0-9][0-9A-Za-z](\\.?[0-9A-Za-z]{1,4})?') THEN upper(${v}) END)`;
    case 'list':
      return `list_filter(list_transform(string_split(${v}, ';'), x -> lower(trim(x))), x -> x <> '')`;
    case 'count':
      return `(CASE WHEN regexp_full_match(${v}, '[0-9]{1,9}') THEN CAST(${v} AS INTEGER) END)`;
  }
}

const coalesced = (exprs: string[]) => (exprs.length === 1 ? exprs[0]! : `coalesce(${exprs.join(', ')})`);

function parseTimestampSql(v: string, { formats, zone }: ColumnFormats): string {
  // A wall-clock time is the practice's (with its gap and fall-back rules) or the column's zone's.
  const wallClock = (ts: string) => (zone === undefined ? `refloop_local_instant(${ts})` : `timezone(${sqlString(zone)}, ${ts})`);
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
      const parsed = `try_strptime(${v}, ${sqlString(format)})`;
      return /%z/i.test(format) ? `CAST(${parsed} AS TIMESTAMPTZ)` : wallClock(parsed);
    }),
  );
}

/** Why a present value of this type did not parse: "'<value>' <reason>". */
export function parseFailureReason(type: ValueType, { formats }: ColumnFormats = {}): string {
  const declared = formats?.filter((f) => f !== 'iso') ?? [];
  const inFormats = (what: string, iso: string) =>
    declared.length === 0 ? `is not a ${what} (${iso})` : `is not a ${what} in format ${[...(formats!.includes('iso') ? [iso] : []), ...declared].join(' or ')}`;
  switch (type.kind) {
    case 'text':
    case 'list':
      return 'is not text';
    case 'timestamp':
      return inFormats('timestamp', 'YYYY-MM-DD HH:MM[:SS], optionally with Z or ±HH:MM');
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
 * Session macros the ingest SQL uses. They are TEMP so no schema change ever
 * reaches the warehouse's WAL during a load.
 */
export function sessionMacrosSql(timezone: string): string {
  const tz = sqlString(timezone);
  return `
-- Local dates on which the zone's UTC offset changes, with their neighbours
-- (a change at midnight makes the day before ambiguous): 1970–2100. A day
-- whose midnight is not 24 hours before the next one's holds a change (one
-- ICU call a day: every command opens with this).
CREATE OR REPLACE TEMP TABLE refloop_transition_days AS
WITH midnights AS (
  SELECT d, timezone(${tz}, CAST(d AS TIMESTAMP)) AS instant
  FROM (SELECT CAST(r.d AS DATE) AS d FROM range(DATE '1970-01-01', DATE '2100-01-02', INTERVAL 1 DAY) AS r(d))
),
changes AS (
  SELECT d FROM (SELECT d, epoch(lead(instant) OVER (ORDER BY d)) - epoch(instant) AS seconds FROM midnights) WHERE seconds <> 86400
)
SELECT DISTINCT unnest([d - 1, d, d + 1]) AS day FROM changes;
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
