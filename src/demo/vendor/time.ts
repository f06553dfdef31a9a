// Time as the vendors write it. The demo's journeys are local wall-clock
// minutes of the practice (America/New_York, the zone its config names); an
// Epic export writes them as `M/D/YYYY h:mm:ss AM`, local, beside a UTC
// `CHANGE_DATETIME`, and a FHIR export as ISO instants with an offset or `Z`.
// The zone's rules are written out (the US rule in force since 2007) rather
// than asked of Intl, so the output is the same on every machine.
import { dateOf, dayNumber, isoDate, MINUTES_PER_DAY } from '../calendar.ts';

/** The zone the demo config names; the offsets below are its rules. */
export const DEMO_TIMEZONE = 'America/New_York';

const EST = -300;
const EDT = -240;

/** The day number of the nth Sunday of a month. */
function nthSunday(year: number, month: number, n: number): number {
  const first = dayNumber(`${year}-${String(month).padStart(2, '0')}-01`);
  const toSunday = (6 - dateOf(first).weekday + 7) % 7;
  return first + toSunday + 7 * (n - 1);
}

/**
 * Minutes from UTC of a local wall-clock minute: daylight time from the second
 * Sunday of March to the first Sunday of November. A time in the spring gap
 * (02:00–02:59, which does not exist) takes standard time, so it lands an hour
 * later on the clock, as the contract reads such a time; a time in the repeated
 * autumn hour (01:00–01:59) is its first occurrence, daylight time.
 */
export function utcOffsetMinutes(localMinute: number): number {
  const { year } = dateOf(Math.floor(localMinute / MINUTES_PER_DAY));
  const daylightFrom = nthSunday(year, 3, 2) * MINUTES_PER_DAY + 3 * 60;
  const daylightUntil = nthSunday(year, 11, 1) * MINUTES_PER_DAY + 2 * 60;
  return localMinute >= daylightFrom && localMinute < daylightUntil ? EDT : EST;
}

/** The UTC minute (minutes since 1970-01-01T00:00Z) of a local wall-clock minute. */
export const utcMinute = (localMinute: number) => localMinute - utcOffsetMinutes(localMinute);

const pad = (n: number) => String(n).padStart(2, '0');

function clock(minute: number): { day: number; hour: number; min: number } {
  const day = Math.floor(minute / MINUTES_PER_DAY);
  const m = minute - day * MINUTES_PER_DAY;
  return { day, hour: Math.floor(m / 60), min: m % 60 };
}

/** Epic's date: `M/D/YYYY`. */
export function epicDate(day: number): string {
  const d = dateOf(day);
  return `${d.month}/${d.day}/${d.year}`;
}

/** Epic's date and time: `M/D/YYYY h:mm:ss AM` (12:05 AM just after midnight, 12:05 PM just after noon). */
export function epicDateTime(minute: number): string {
  const { day, hour, min } = clock(minute);
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return `${epicDate(day)} ${h12}:${pad(min)}:00 ${hour < 12 ? 'AM' : 'PM'}`;
}

/** A date column Epic exports as a date and time: local midnight of the day. */
export const epicMidnight = (day: number) => epicDateTime(day * MINUTES_PER_DAY);

/** FHIR dateTime / instant with the local offset: `2025-03-05T09:07:00-05:00`. */
export function fhirLocal(localMinute: number): string {
  const { day, hour, min } = clock(localMinute);
  const offset = -utcOffsetMinutes(localMinute);
  return `${isoDate(day)}T${pad(hour)}:${pad(min)}:00-${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
}

/** FHIR dateTime / instant in UTC: `2025-03-05T14:07:00Z`. */
export function fhirUtc(localMinute: number): string {
  const { day, hour, min } = clock(utcMinute(localMinute));
  return `${isoDate(day)}T${pad(hour)}:${pad(min)}:00Z`;
}
