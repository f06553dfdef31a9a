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

const PATTERN = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1]!;
}

function parse(raw: string): Parts | undefined {
  const m = PATTERN.exec(raw);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (m[4] === undefined) return { year, month, day, hour: 0, minute: 0, second: 0, precision: m[3] !== undefined ? 'day' : m[2] !== undefined ? 'month' : 'year' };
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = m[7];
  let offsetMs: number | undefined;
  if (zone === 'Z') offsetMs = 0;
  else if (zone !== undefined) {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 14 || om > 59) return undefined;
    offsetMs = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return { year, month, day, hour, minute, second, offsetMs, precision: 'time' };
}

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
  const date = `${raw.slice(0, 4)}-${pad2(p.month)}-${pad2(p.day)}`;
  const ms = instantOf(p, zone);
  if (p.precision !== 'time') return { text: `${date} 00:00:00`, ms, partial: p.precision !== 'day' };
  const time = `${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`;
  if (p.offsetMs === undefined) return { text: `${date} ${time}`, ms, partial: false };
  const zoneText = raw.endsWith('Z') ? 'Z' : raw.slice(-6);
  return { text: `${date}T${time}${zoneText}`, ms, partial: false };
}

/** A FHIR date/dateTime as a Moment to keep; undefined for an absent or empty value. */
export function fhirMoment(value: unknown, zone: Zone): Moment | undefined {
  const raw = trimmed(value);
  if (raw === undefined) return undefined;
  const p = parse(raw);
  return { raw, ms: p ? instantOf(p, zone) : undefined };
}
