// Spreadsheet cells as the text a CSV gives the ingest, following what the
// cell shows rather than how it is stored:
// - a number whose number format is a date or time format is a date:
//   `YYYY-MM-DD` when the format shows only a date, `YYYY-MM-DD HH:MM:SS`
//   when it shows a date and a time, `HH:MM:SS` for a time alone (elapsed
//   formats like `[h]:mm` count hours past 24); rounded to the second;
// - any other number is plain decimal text (plain-number.ts);
// - booleans TRUE / FALSE; a formula gives its cached result (in the type
//   the cell declares, so a boolean formula is TRUE / FALSE too); rich text
//   its plain text; an error value its code (`#N/A`); an ISO date cell
//   (`t="d"`) the same shapes as a serial; an empty cell is empty.
//
// A format is a date format when its first section, once quoted text,
// escaped characters, `_x` / `*x` padding and bracketed parts (colours,
// locales, conditions) are removed, uses a date code (d, y, or m outside a
// time) or a time code (h, s, AM/PM, or an elapsed [h] [m] [s]). Excel's
// built-in date formats (ids 14–22, 45–47) reach here as their format
// strings (see BUILTIN_FORMATS).
import { plainNumber } from './plain-number.ts';

export type DateFormatKind = 'date' | 'datetime' | 'time' | 'elapsed';

/**
 * The built-in number formats a style may name by id without defining them
 * (ECMA-376 §18.8.30), as far as telling dates matters. Ids 27–36 and 50–58
 * are dates and times whose exact form depends on an East Asian locale; they
 * stand here as a format of the same kind.
 */
export const BUILTIN_FORMATS: Readonly<Record<number, string>> = {
  0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%', 11: '0.00E+00', 12: '# ?/?', 13: '# ??/??',
  14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM', 20: 'h:mm', 21: 'h:mm:ss', 22: 'm/d/yy h:mm',
  27: 'yyyy-mm-dd', 28: 'yyyy-mm-dd', 29: 'yyyy-mm-dd', 30: 'm/d/yy', 31: 'yyyy-mm-dd', 32: 'h:mm', 33: 'h:mm:ss', 34: 'h:mm AM/PM', 35: 'h:mm:ss AM/PM', 36: 'yyyy-mm-dd',
  37: '#,##0 ;(#,##0)', 38: '#,##0 ;[Red](#,##0)', 39: '#,##0.00;(#,##0.00)', 40: '#,##0.00;[Red](#,##0.00)', 45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0', 48: '##0.0E+0', 49: '@',
  50: 'yyyy-mm-dd', 51: 'yyyy-mm-dd', 52: 'yyyy-mm-dd', 53: 'yyyy-mm-dd', 54: 'yyyy-mm-dd', 55: 'yyyy-mm-dd', 56: 'yyyy-mm-dd', 57: 'yyyy-mm-dd', 58: 'yyyy-mm-dd',
};

/** Workbooks use a handful of formats over millions of cells: each is read once. */
const kindsSeen = new Map<string, DateFormatKind | undefined>();
const MAX_KINDS_SEEN = 10_000;

export function dateFormatKind(format: string | undefined): DateFormatKind | undefined {
  if (!format) return undefined;
  if (kindsSeen.has(format)) return kindsSeen.get(format);
  const kind = readFormatKind(format);
  if (kindsSeen.size < MAX_KINDS_SEEN) kindsSeen.set(format, kind);
  return kind;
}

function readFormatKind(format: string): DateFormatKind | undefined {
  let codes = firstSection(format)
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/[_*]./g, '');
  const elapsed = /\[(?:h+|m+|s+)\]/i.test(codes);
  codes = codes.replace(/\[[^\]]*\]/g, '').toLowerCase().replace(/general/g, '');
  const amPm = /am\/pm|a\/p/.test(codes);
  codes = codes.replace(/am\/pm|a\/p/g, '');
  const time = elapsed || amPm || /[hs]/.test(codes);
  const date = /[dy]/.test(codes) || /mmm/.test(codes) || (!time && /m/.test(codes));
  if (date) return time ? 'datetime' : 'date';
  if (time) return elapsed ? 'elapsed' : 'time';
  return undefined;
}

/** The format for positive numbers: the text before the first `;` outside quotes. */
function firstSection(format: string): string {
  let quoted = false;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\') i++;
    else if (c === ';' && !quoted) return format.slice(0, i);
  }
  return format;
}

const SECONDS_PER_DAY = 86_400;
/** Days from 1899-12-30 (day 0 of the 1900 date system, as Excel counts after Feb 1900) to 1970-01-01. */
const UNIX_EPOCH_SERIAL = 25_569;
/** The 1904 date system starts 1,462 days later. */
const DATE_1904_OFFSET = 1_462;

/** A date serial as text in the kind of format the cell has. */
export function serialText(serial: number, kind: DateFormatKind, date1904: boolean): string {
  if (!Number.isFinite(serial) || serial < 0) return plainNumber(serial);
  const seconds = Math.round(serial * SECONDS_PER_DAY);
  if (kind === 'elapsed') return clock(Math.floor(seconds / 3600), seconds);
  if (kind === 'time') return clock(Math.floor(seconds / 3600) % 24, seconds);
  let days = Math.floor(seconds / SECONDS_PER_DAY) + (date1904 ? DATE_1904_OFFSET : 0);
  // Excel's 1900 system counts a 29 February 1900 that never was (serial 60):
  // serials before it are one day later than plain arithmetic from 1899-12-30.
  if (!date1904 && days < 61) days += 1;
  const date = new Date((days - UNIX_EPOCH_SERIAL) * SECONDS_PER_DAY * 1000);
  const ymd = `${String(date.getUTCFullYear()).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return kind === 'date' ? ymd : `${ymd} ${clock(Math.floor(seconds / 3600) % 24, seconds)}`;
}

function clock(hours: number, seconds: number): string {
  return `${pad(hours)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** OOXML writes characters XML cannot hold as `_xHHHH_` (a CR as `_x000D_`; `_x005F_` is a literal `_`). */
export function decodeOoxmlEscapes(text: string): string {
  return text.includes('_x') ? text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

/** A cell as the sheet's XML holds it: its type (`t`), `<v>` text and inline string. */
export interface RawCell {
  type: string;
  value: string | undefined;
  inline: string | undefined;
}

export class UnreadableCellError extends Error {}

/**
 * The text of a cell. `format` is its number format code, `sharedStrings`
 * the workbook's string table. Types (ECMA-376 ST_CellType): n number (the
 * default), s shared string, str a formula's string result, inlineStr, b
 * boolean, e error, d an ISO 8601 date. A formula's `<v>` is its cached
 * result, in the cell's type.
 */
export function cellText(cell: RawCell, format: string | undefined, date1904: boolean, sharedStrings: readonly string[]): string {
  const { type, value, inline } = cell;
  switch (type) {
    case 's': {
      if (value === undefined || value === '') return '';
      const text = sharedStrings[Number(value)];
      if (text === undefined) throw new UnreadableCellError(`refers to shared string ${value}, which the workbook does not have`);
      return text;
    }
    case 'inlineStr':
      return decodeOoxmlEscapes(inline ?? value ?? '');
    case 'str':
      return decodeOoxmlEscapes(value ?? '');
    case 'b':
      if (value === undefined || value === '') return '';
      return value === '1' || value.toLowerCase() === 'true' ? 'TRUE' : 'FALSE';
    case 'e':
      return value ?? '';
    case 'd':
      return value === undefined ? '' : isoDateText(value, dateFormatKind(format));
    default: {
      if (inline !== undefined) return decodeOoxmlEscapes(inline); // an <is> without t="inlineStr"
      if (value === undefined || value.trim() === '') return '';
      const number = Number(value);
      if (!Number.isFinite(number)) throw new UnreadableCellError('holds a number refloop cannot read');
      const kind = dateFormatKind(format);
      return kind ? serialText(number, kind, date1904) : plainNumber(number);
    }
  }
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})?(?:[T ]?(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** A `t="d"` value (ISO 8601, wall-clock) in the shape the cell's format shows; an offset is dropped. */
function isoDateText(value: string, kind: DateFormatKind | undefined): string {
  const match = ISO_DATE.exec(value.trim());
  if (!match || (match[1] === undefined && match[2] === undefined)) return value;
  const [, ymd, hh, mm, ss = '00'] = match;
  const clockText = hh === undefined ? '00:00:00' : `${hh}:${mm}:${ss}`;
  if (ymd === undefined || kind === 'time' || kind === 'elapsed') return clockText;
  if (kind === 'date' || (kind === undefined && hh === undefined)) return ymd;
  return `${ymd} ${clockText}`;
}
