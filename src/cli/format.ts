// Query results as a text table, CSV or JSON for `refloop sql` and friends.
import { type DuckDBResultReader, DuckDBTypeId, type Json } from '@duckdb/node-api';
import { printable } from '../log.ts';

export type Format = 'table' | 'csv' | 'json';
export const isFormat = (s: string): s is Format => s === 'table' || s === 'csv' || s === 'json';

/**
 * `numericColumns` names the columns whose values are typed numbers (see
 * numericColumns()); DuckDB gives BIGINT and DECIMAL values as strings, and
 * only a typed number is exempt from the CSV formula guard.
 */
export function formatRows(columns: string[], rows: Record<string, Json>[], format: Format, numericColumns: ReadonlySet<string> = new Set()): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const text = (value: Json) => (value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  if (format === 'csv') {
    const header = columns.map((c) => csvCell(c, false));
    const body = rows.map((row) => columns.map((c) => {
      const value = row[c] ?? null;
      return csvCell(text(value), typeof value === 'number' || (value !== null && numericColumns.has(c)));
    }));
    return [header, ...body].map((r) => `${r.join(',')}\n`).join('');
  }
  // A table is for a terminal: a value holding a newline or an escape
  // sequence (a file name, a clinician's name) is shown escaped, one row a line.
  const header = columns.map(printable);
  const cells = rows.map((row) => columns.map((c) => printable(text(row[c] ?? null))));
  const widths = header.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`]
    .map((l) => `${l}\n`)
    .join('');
}

/**
 * One CSV cell. A spreadsheet runs a text cell that starts with = + - @ (or
 * a tab or CR before one) as a formula, so such text is prefixed with a
 * single quote and quoted (OWASP's CSV injection rule): a referring office
 * named "=HYPERLINK(…)" stays text. The rule is about text: a typed number
 * such as -3.5 is written as it is, since a spreadsheet reads it as a number
 * and a quote would turn it into text. A number that arrives as text (a
 * VARCHAR holding "-3.5") is guarded like any text.
 */
export function csvCell(value: string, isTypedNumber: boolean): string {
  const guarded = !isTypedNumber && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return guarded !== value || /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

const NUMERIC_TYPES = new Set([
  DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL, DuckDBTypeId.BIGNUM,
]);

/** The columns of a result whose type is a number. */
export function numericColumns(reader: DuckDBResultReader): Set<string> {
  const types = reader.columnTypes();
  return new Set(reader.columnNames().filter((_, i) => NUMERIC_TYPES.has(types[i]!.typeId)));
}

/**
 * The rows of a result, with instants (TIMESTAMPTZ) shown in the practice's
 * local time with their offset: DuckDB's JSON getters give them in UTC.
 */
export function localRows(reader: DuckDBResultReader, timezone: string): Record<string, Json>[] {
  const columns = reader.columnNames();
  const instants = columns.filter((_, i) => reader.columnTypes()[i]!.typeId === DuckDBTypeId.TIMESTAMP_TZ);
  const rows = reader.getRowObjectsJson();
  if (instants.length === 0) return rows;
  const local = localInstantFormatter(timezone);
  for (const row of rows) for (const c of instants) if (typeof row[c] === 'string') row[c] = local(row[c] as string);
  return rows;
}

/**
 * An instant as DuckDB writes it in UTC ("2026-03-08 07:30:00.123+00"), shown
 * as ISO local time with a four-digit year and a ±HH:MM offset. Where the zone
 * has no such offset (before it kept standard time, the tz database gives the
 * local mean time, e.g. -04:56:02 for New York) or the local year would leave
 * 0001–9999, the instant is shown in UTC (+00:00) instead. What DuckDB writes
 * outside that range (BC years, 5-digit years, infinity) is shown as it is:
 * it is unambiguous UTC.
 */
export function localInstantFormatter(timezone: string): (utc: string) => string {
  const zone = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, timeZoneName: 'longOffset' });
  return (utc) => {
    const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?\+00$/.exec(utc);
    if (!match) return utc;
    const instant = new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`);
    if (Number.isNaN(instant.getTime())) return utc;
    const offset = offsetMinutes(zone.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '');
    const local = offset === undefined ? undefined : new Date(instant.getTime() + offset * 60_000);
    if (offset === undefined || !local || local.getUTCFullYear() < 1 || local.getUTCFullYear() > 9999) return `${isoText(instant)}+00:00`;
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    return `${isoText(local)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  };
}

/** "GMT", "GMT+05:30" → minutes east of UTC; undefined for an offset with seconds (local mean time). */
function offsetMinutes(name: string): number | undefined {
  if (name === 'GMT') return 0;
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (!m || (m[4] && m[4] !== '00')) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A Date's UTC fields as "YYYY-MM-DD HH:MM:SS" (seconds: fractions are not shown). */
function isoText(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
