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
  const parsed = parseEpicTime(value);
  return parsed && formatWallClock(parsed, parsed.utc || isUtcColumn(column));
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
  const text = value.trim();
  if (text.length < 8) return undefined;
  const iso = text.charCodeAt(4) === DASH;
  const date = iso ? parseIsoDate(text) : parseUsDate(text);
  if (!date) return undefined;
  // Built field by field: an object spread here costs ten times the whole parse.
  const t: WallClock = { year: date.value.year, month: date.value.month, day: date.value.day, hour: 0, minute: 0, second: 0, utc: false };
  let pos = date.end;
  if (pos === text.length) return t;
  const separator = text.charCodeAt(pos);
  if (iso && separator === T_UPPER) pos++;
  else if (separator === SPACE) while (text.charCodeAt(pos) === SPACE) pos++;
  else return undefined;
  const clock = parseClock(text, pos, !iso);
  if (!clock) return undefined;
  t.hour = clock.hour;
  t.minute = clock.minute;
  t.second = clock.second;
  pos = clock.end;
  if (iso && pos === text.length - 1 && (text.charCodeAt(pos) | 0x20) === Z_LOWER) {
    t.utc = true;
    pos++;
  }
  return pos === text.length ? t : undefined;
}

/** A time of day alone (`2:30 PM`, `14:30:00`), as hours, minutes and seconds; undefined when it is not one. */
export function parseTimeOfDay(value: string): { hour: number; minute: number; second: number } | undefined {
  const text = value.trim();
  const clock = parseClock(text, 0, true);
  return clock && clock.end === text.length ? { hour: clock.hour, minute: clock.minute, second: clock.second } : undefined;
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

interface Parsed<T> {
  value: T;
  end: number;
}

/** Digits from `pos`, at least `min` and at most `max` of them. */
function digits(text: string, pos: number, min: number, max: number): Parsed<number> | undefined {
  let n = 0;
  let end = pos;
  while (end < text.length && end - pos < max) {
    const c = text.charCodeAt(end) - 0x30;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
    end++;
  }
  return end - pos >= min ? { value: n, end } : undefined;
}

type YearMonthDay = { year: number; month: number; day: number };

function parseUsDate(text: string): Parsed<YearMonthDay> | undefined {
  const month = digits(text, 0, 1, 2);
  if (!month || text.charCodeAt(month.end) !== SLASH) return undefined;
  const day = digits(text, month.end + 1, 1, 2);
  if (!day || text.charCodeAt(day.end) !== SLASH) return undefined;
  const year = digits(text, day.end + 1, 4, 4);
  if (!year) return undefined;
  return validDate(year.value, month.value, day.value, year.end);
}

function parseIsoDate(text: string): Parsed<YearMonthDay> | undefined {
  const year = digits(text, 0, 4, 4);
  if (!year || text.charCodeAt(4) !== DASH) return undefined;
  const month = digits(text, 5, 2, 2);
  if (!month || text.charCodeAt(7) !== DASH) return undefined;
  const day = digits(text, 8, 2, 2);
  if (!day) return undefined;
  return validDate(year.value, month.value, day.value, day.end);
}

function validDate(year: number, month: number, day: number, end: number): Parsed<YearMonthDay> | undefined {
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { value: { year, month, day }, end };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `H:MM[:SS[.fff]]`, then (when `meridiemAllowed`) an optional ` AM` / ` PM` in any case. */
function parseClock(
  text: string,
  pos: number,
  meridiemAllowed: boolean,
): { hour: number; minute: number; second: number; end: number } | undefined {
  const hour = digits(text, pos, 1, 2);
  if (!hour || text.charCodeAt(hour.end) !== COLON) return undefined;
  const minute = digits(text, hour.end + 1, 2, 2);
  if (!minute || minute.value > 59) return undefined;
  let second = 0;
  let end = minute.end;
  if (text.charCodeAt(end) === COLON) {
    const s = digits(text, end + 1, 2, 2);
    if (!s || s.value > 59) return undefined;
    second = s.value;
    end = s.end;
    if (text.charCodeAt(end) === DOT) {
      const fraction = digits(text, end + 1, 1, 9);
      if (!fraction) return undefined;
      end = fraction.end;
    }
  }
  let h = hour.value;
  const meridiem = meridiemAllowed ? parseMeridiem(text, end) : undefined;
  if (meridiem) {
    if (h < 1 || h > 12) return undefined;
    h = (h % 12) + (meridiem.pm ? 12 : 0);
    end = meridiem.end;
  } else if (h > 23) {
    return undefined;
  }
  return { hour: h, minute: minute.value, second, end };
}

function parseMeridiem(text: string, pos: number): { pm: boolean; end: number } | undefined {
  let p = pos;
  while (text.charCodeAt(p) === SPACE) p++;
  if (p + 2 !== text.length) return undefined;
  const first = text.charCodeAt(p) | 0x20;
  if ((text.charCodeAt(p + 1) | 0x20) !== 0x6d) return undefined; // 'm'
  if (first === 0x61) return { pm: false, end: p + 2 }; // 'a'
  if (first === 0x70) return { pm: true, end: p + 2 }; // 'p'
  return undefined;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
