// Query results as a text table, CSV or JSON for `refloop sql` and friends.
import type { Json } from '@duckdb/node-api';

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
