// Query results as a text table, CSV or JSON for `refloop sql` and friends.
import { type DuckDBResultReader, DuckDBTypeId, type Json } from '@duckdb/node-api';

export type Format = 'table' | 'csv' | 'json';
export const isFormat = (s: string): s is Format => s === 'table' || s === 'csv' || s === 'json';

export function formatRows(columns: string[], rows: Record<string, Json>[], format: Format): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  const text = (value: Json) => (value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  if (format === 'csv') {
    const cell = (value: Json) => {
      const s = text(value);
      return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [columns.map((c) => cell(c)), ...rows.map((row) => columns.map((c) => cell(row[c] ?? null)))].map((r) => `${r.join(',')}\n`).join('');
  }
  const cells = rows.map((row) => columns.map((c) => text(row[c] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`]
    .map((l) => `${l}\n`)
    .join('');
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
  const local = localFormatter(timezone);
  for (const row of rows) for (const c of instants) if (typeof row[c] === 'string') row[c] = local(row[c] as string);
  return rows;
}

function localFormatter(timezone: string) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  });
  return (utc: string) => {
    const date = new Date(utc.replace(' ', 'T').replace(/\+00$/, 'Z'));
    if (Number.isNaN(date.getTime())) return utc;
    const p = Object.fromEntries(parts.formatToParts(date).map((x) => [x.type, x.value]));
    const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName!.replace('GMT', '');
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}${offset}`;
  };
}
