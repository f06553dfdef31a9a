// Epic's time values into the canonical forms. Epic writes the practice's
// wall-clock time (`11/2/2026 9:15:00 AM`, or a date alone for midnight),
// except in columns whose name says UTC. Parsed by hand, one character at a
// time: this runs for several columns of millions of rows.

/** A parsed value: wall-clock fields, and whether the value itself says it is UTC (an ISO `Z`). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  utc: boolean;
}

/** Columns written in UTC: `…_UTC_DTTM` and `CHANGE_DATETIME` (REFERRAL_HIST). */
export function isUtcColumn(column: string): boolean {
  return column.endsWith('_UTC_DTTM') || column === 'CHANGE_DATETIME';
}

/**
 * A value of `column` in the canonical form: `YYYY-MM-DD HH:MM:SS` for local
 * time, `YYYY-MM-DDTHH:MM:SSZ` for UTC. A value that does not parse comes
 * back as written, so the canonical validation names it.
 */
export function canonicalTime(value: string, column: string): string {
  return parsedTime(value, column) ?? value;
}

/** As canonicalTime, but undefined when the value does not parse. */
export function parsedTime(value: string, column: string): string | undefined {
  return parseInto(value) ? formatWallClock(at, at.utc || isUtcColumn(column)) : undefined;
}

export function formatWallClock(t: WallClock, utc: boolean): string {
  const date = `${t.year}-${pad(t.month)}-${pad(t.day)}`;
  const clock = `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
  return utc ? `${date}T${clock}Z` : `${date} ${clock}`;
}

/**
 * `M/D/YYYY`, `M/D/YYYY h:mm[:ss] AM|PM`, `M/D/YYYY HH:mm[:ss]`, ISO
 * `YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z]`; fractions of a second are dropped.
 */
export function parseEpicTime(value: string): WallClock | undefined {
  if (!parseInto(value)) return undefined;
  return { year: at.year, month: at.month, day: at.day, hour: at.hour, minute: at.minute, second: at.second, utc: at.utc };
}

/**
 * The parser's result. Several columns of millions of rows are parsed: the
 * parse writes into this one object (and the positions below into `end`)
 * instead of allocating a result at every step, which cost most of a row's
 * time in garbage collection. Read it right after a successful parseInto.
 */
const at: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, utc: false };

/** Parses `value` into `at`; false when it is not one of the forms parseEpicTime reads. */
function parseInto(value: string): boolean {
  const text = value.trim();
  if (text.length < 8) return false;
  const iso = text.charCodeAt(4) === DASH;
  let pos = iso ? parseIsoDate(text) : parseUsDate(text);
  if (pos < 0) return false;
  at.hour = 0;
  at.minute = 0;
  at.second = 0;
  at.utc = false;
  if (pos === text.length) return true;
  const separator = text.charCodeAt(pos);
  if (iso && separator === T_UPPER) pos++;
  else if (separator === SPACE) while (text.charCodeAt(pos) === SPACE) pos++;
  else return false;
  pos = parseClock(text, pos, !iso);
  if (pos < 0) return false;
  if (iso && pos === text.length - 1 && (text.charCodeAt(pos) | 0x20) === Z_LOWER) {
    at.utc = true;
    pos++;
  }
  return pos === text.length;
}

/** A time of day alone (`2:30 PM`, `14:30:00`), as hours, minutes and seconds; undefined when it is not one. */
export function parseTimeOfDay(value: string): { hour: number; minute: number; second: number } | undefined {
  const text = value.trim();
  return parseClock(text, 0, true) === text.length ? { hour: at.hour, minute: at.minute, second: at.second } : undefined;
}

/**
 * Milliseconds since the epoch of a canonical time (local in `timeZone`, or
 * UTC with `Z`): used only to order a local and a UTC value against each
 * other. A local time in a fall-back hour is the first; one in a
 * spring-forward gap moves forward by the gap.
 */
export function epochOf(canonical: string, timeZone: string): number {
  if (canonical.endsWith('Z')) return Date.parse(canonical);
  const asUtc = Date.parse(`${canonical.replace(' ', 'T')}Z`);
  const first = asUtc - offsetMs(asUtc, timeZone);
  const second = asUtc - offsetMs(first, timeZone);
  return Math.min(first, second);
}

/** Whether canonical time `a` is before `b` (both parsed). Same-form values compare as text; a local and a UTC value as instants. */
export function isEarlier(a: string, b: string, timeZone: string): boolean {
  const aUtc = a.endsWith('Z');
  if (aUtc === b.endsWith('Z')) return a < b;
  return epochOf(a, timeZone) < epochOf(b, timeZone);
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetMs(instant: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(timeZone, format);
  }
  const part: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(instant))) part[p.type] = Number(p.value);
  const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

const DASH = 0x2d;
const SLASH = 0x2f;
const COLON = 0x3a;
const DOT = 0x2e;
const SPACE = 0x20;
const T_UPPER = 0x54;
const Z_LOWER = 0x7a;

/** Where the last `digits` call stopped. */
let end = 0;

/** The number in the digits from `pos`, at least `min` and at most `max` of them (their end in `end`); -1 when too few. */
function digits(text: string, pos: number, min: number, max: number): number {
  let n = 0;
  let stop = pos;
  while (stop < text.length && stop - pos < max) {
    const c = text.charCodeAt(stop) - 0x30;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
    stop++;
  }
  end = stop;
  return stop - pos >= min ? n : -1;
}

/** The date into `at`; returns the position after it, or -1. */
function parseUsDate(text: string): number {
  const month = digits(text, 0, 1, 2);
  if (month < 0 || text.charCodeAt(end) !== SLASH) return -1;
  const day = digits(text, end + 1, 1, 2);
  if (day < 0 || text.charCodeAt(end) !== SLASH) return -1;
  const year = digits(text, end + 1, 4, 4);
  if (year < 0) return -1;
  return validDate(year, month, day, end);
}

function parseIsoDate(text: string): number {
  const year = digits(text, 0, 4, 4);
  if (year < 0 || text.charCodeAt(4) !== DASH) return -1;
  const month = digits(text, 5, 2, 2);
  if (month < 0 || text.charCodeAt(7) !== DASH) return -1;
  const day = digits(text, 8, 2, 2);
  if (day < 0) return -1;
  return validDate(year, month, day, end);
}

function validDate(year: number, month: number, day: number, stop: number): number {
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return -1;
  at.year = year;
  at.month = month;
  at.day = day;
  return stop;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * `H:MM[:SS[.fff]]`, then (when `meridiemAllowed`) an optional ` AM` / ` PM`
 * in any case, into `at`'s hour, minute and second; returns the position after it, or -1.
 */
function parseClock(text: string, pos: number, meridiemAllowed: boolean): number {
  let h = digits(text, pos, 1, 2);
  if (h < 0 || text.charCodeAt(end) !== COLON) return -1;
  const minute = digits(text, end + 1, 2, 2);
  if (minute < 0 || minute > 59) return -1;
  let second = 0;
  let stop = end;
  if (text.charCodeAt(stop) === COLON) {
    const s = digits(text, stop + 1, 2, 2);
    if (s < 0 || s > 59) return -1;
    second = s;
    stop = end;
    if (text.charCodeAt(stop) === DOT) {
      if (digits(text, stop + 1, 1, 9) < 0) return -1;
      stop = end;
    }
  }
  const meridiem = meridiemAllowed ? parseMeridiem(text, stop) : NO_MERIDIEM;
  if (meridiem !== NO_MERIDIEM) {
    if (h < 1 || h > 12) return -1;
    h = (h % 12) + (meridiem === PM ? 12 : 0);
    stop = text.length;
  } else if (h > 23) {
    return -1;
  }
  at.hour = h;
  at.minute = minute;
  at.second = second;
  return stop;
}

const NO_MERIDIEM = 0;
const AM = 1;
const PM = 2;

/** AM or PM when the text ends with one (spaces before it allowed), else NO_MERIDIEM. */
function parseMeridiem(text: string, pos: number): number {
  let p = pos;
  while (text.charCodeAt(p) === SPACE) p++;
  if (p + 2 !== text.length) return NO_MERIDIEM;
  const first = text.charCodeAt(p) | 0x20;
  if ((text.charCodeAt(p + 1) | 0x20) !== 0x6d) return NO_MERIDIEM; // 'm'
  if (first === 0x61) return AM; // 'a'
  if (first === 0x70) return PM; // 'p'
  return NO_MERIDIEM;
}

/** Two-digit forms of 0–59, every month, day, hour, minute and second a parse yields: looked up, not built, per value. */
const PAD: readonly string[] = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : String(n)));

function pad(n: number): string {
  return PAD[n] ?? String(n);
}
