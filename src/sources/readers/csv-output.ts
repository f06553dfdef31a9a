// The private CSV the readers write for the ingest: RFC 4180, comma, LF line
// ends, UTF-8 without BOM, the source header's columns and then
// `__origin_line`, the raw file's physical line (the sheet row for .xlsx) of
// each record, so the ingest can name where every record came from.

export const ORIGIN_LINE_COLUMN = '__origin_line';

/** A field as RFC 4180 writes it: quoted when it holds a comma, quote, CR or LF. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One record's line, line end included. */
export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : ',') + csvField(fields[i]!);
  return `${line}\n`;
}

/** The header line: the source's columns, then `__origin_line`. */
export function originHeaderLine(columns: readonly string[], file: string): string {
  if (columns.includes(ORIGIN_LINE_COLUMN)) {
    throw new Error(`${file}: the header has a column named ${ORIGIN_LINE_COLUMN}, a name refloop keeps for itself`);
  }
  return csvLine([...columns, ORIGIN_LINE_COLUMN]);
}

/** A quarantined raw record: its physical line and why (never its text, which may be PHI). */
export interface QuarantinedLine {
  line: number;
  reason: string;
}
