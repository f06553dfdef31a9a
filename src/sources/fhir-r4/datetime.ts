// FHIR date and dateTime values (`2017`, `2017-03`, `2017-03-05`,
// `2017-03-05T10:00:00Z`, `2017-03-05T10:00:00.123+01:00`, and the
// `2017-03-05T10:00` some servers write without seconds or zone) turned into
// text the canonical contract reads, plus the instant for comparisons.
//
// - A date alone is local midnight of that day: `2017-03-05 00:00:00`. A year
//   or a year and month alone is the first day (counted as an issue: the
//   source said less than that).
// - A time with a zone keeps the instant: ISO with the zone as written,
//   seconds added when missing, fractional seconds dropped.
// - A time without a zone is the practice's wall-clock time.
// - Anything else is handed on as written, for the canonical validation to
//   quarantine or null (an adapter does not guess at a broken value).
import type { Zone } from './zone.ts';

export interface FhirTime {
  /** Text for the canonical row. */
  text: string;
  /** The instant, when the value is a FHIR date or dateTime. */
  ms?: number;
  /** Only a year, or a year and month. */
  partial: boolean;
}

/**
 * A value kept in an index between the passes: the text as the source wrote
 * it (a string the parsed resource already holds, so keeping it costs
 * nothing more) and its instant.
 */
export interface Moment {
  raw: string;
  ms?: number;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The zone's offset in ms; undefined for a local (zone-less) value. */
  offsetMs?: number;
  precision: 'year' | 'month' | 'day' | 'time';
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

/** The number written by `count` ASCII digits at `at`, or -1. */
function digits(raw: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = raw.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm[:ss[.f…]][Z|±hh:mm]`,
 * read one character at a time (this runs for several values of millions of
 * resources). `exact` says the text needs no rewriting: it has seconds, no
 * fraction.
 */
function parse(raw: string): (Parts & { exact: boolean }) | undefined {
  const length = raw.length;
  const year = digits(raw, 0, 4);
  if (year < 0 || length < 4) return undefined;
  let month = 1;
  let day = 1;
  let precision: Parts['precision'] = 'year';
  if (length > 4) {
    if (raw.charCodeAt(4) !== DASH || length < 7) return undefined;
    month = digits(raw, 5, 2);
    precision = 'month';
    if (length > 7) {
      if (raw.charCodeAt(7) !== DASH || length < 10) return undefined;
      day = digits(raw, 8, 2);
      precision = 'day';
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (length <= 10) return { year, month, day, hour: 0, minute: 0, second: 0, precision, exact: true };
  if (raw.charCodeAt(10) !== T || length < 16 || raw.charCodeAt(13) !== COLON) return undefined;
  const hour = digits(raw, 11, 2);
  const minute = digits(raw, 14, 2);
  if (hour < 0 || minute < 0) return undefined;
  let at = 16;
  let second = 0;
  let exact = false;
  if (raw.charCodeAt(at) === COLON) {
    second = digits(raw, at + 1, 2);
    if (second < 0) return undefined;
    at += 3;
    exact = true;
    if (raw.charCodeAt(at) === DOT) {
      const start = ++at;
      while (at < length && raw.charCodeAt(at) >= 0x30 && raw.charCodeAt(at) <= 0x39) at++;
      if (at === start) return undefined;
      exact = false;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMs: number | undefined;
  if (at < length) {
    const sign = raw.charCodeAt(at);
    if (sign === Z && at + 1 === length) offsetMs = 0;
    else if ((sign === PLUS || sign === DASH) && at + 6 === length && raw.charCodeAt(at + 3) === COLON) {
      const oh = digits(raw, at + 1, 2);
      const om = digits(raw, at + 4, 2);
      if (oh < 0 || om < 0 || oh > 14 || om > 59) return undefined;
      offsetMs = (sign === DASH ? -1 : 1) * (oh * 60 + om) * 60_000;
    } else return undefined;
  }
  return { year, month, day, hour, minute, second, offsetMs, precision: 'time', exact };
}

const DASH = 0x2d;
const PLUS = 0x2b;
const COLON = 0x3a;
const DOT = 0x2e;
const T = 0x54;
const Z = 0x5a;

function instantOf(p: Parts, zone: Zone): number {
  if (p.offsetMs === undefined) return zone.instantOf(p.year, p.month, p.day, p.hour, p.minute, p.second);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - p.offsetMs;
}

function trimmed(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const raw = value.trim();
  return raw === '' ? undefined : raw;
}

/** A FHIR date/dateTime as canonical text and instant; undefined for an absent or empty value. */
export function fhirTime(value: unknown, zone: Zone): FhirTime | undefined {
  const raw = trimmed(value);
  if (raw === undefined) return undefined;
  const p = parse(raw);
  if (!p) return { text: raw, partial: false };
  const ms = instantOf(p, zone);
  if (p.precision === 'day') return { text: `${raw} 00:00:00`, ms, partial: false };
  if (p.precision !== 'time') return { text: `${raw.slice(0, 4)}-${pad2(p.month)}-${pad2(p.day)} 00:00:00`, ms, partial: true };
  // Written with seconds and no fraction, an instant is its own canonical text; a local time has a space for the T.
  if (p.exact) return { text: p.offsetMs === undefined ? `${raw.slice(0, 10)} ${raw.slice(11)}` : raw, ms, partial: false };
  const text = `${raw.slice(0, 10)}${p.offsetMs === undefined ? ' ' : 'T'}${raw.slice(11, 16)}:${pad2(p.second)}`;
  if (p.offsetMs === undefined) return { text, ms, partial: false };
  return { text: `${text}${raw.endsWith('Z') ? 'Z' : raw.slice(-6)}`, ms, partial: false };
}

/** A FHIR date/dateTime as a Moment to keep; undefined for an absent or empty value. */
export function fhirMoment(value: unknown, zone: Zone): Moment | undefined {
  const raw = trimmed(value);
  if (raw === undefined) return undefined;
  const p = parse(raw);
  return { raw, ms: p ? instantOf(p, zone) : undefined };
}
