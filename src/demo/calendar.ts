// Time in the demo: local wall-clock minutes, kept as a number and formatted
// without Date's locale or zone rules, so output is identical on any machine.
// The practice's extracts are wall-clock times (as EHRs export them); a
// generated time can fall in a daylight-saving gap, as real ones do.
export const MINUTES_PER_DAY = 24 * 60;

/** Days since 1970-01-01 for a YYYY-MM-DD date. */
export function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

export function dateOf(day: number): { year: number; month: number; day: number; weekday: number } {
  const date = new Date(day * 86_400_000);
  // weekday: 0 = Monday … 6 = Sunday (ISO)
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), weekday: (date.getUTCDay() + 6) % 7 };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function isoDate(day: number): string {
  const d = dateOf(day);
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
}

/** `YYYY-MM-DD HH:MM` */
export function isoTimestamp(minute: number): string {
  const day = Math.floor(minute / MINUTES_PER_DAY);
  const m = minute - day * MINUTES_PER_DAY;
  return `${isoDate(day)} ${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** `MM/DD/YYYY HH:MM`, as the scheduling system's export writes it. */
export function usTimestamp(minute: number): string {
  const day = Math.floor(minute / MINUTES_PER_DAY);
  const d = dateOf(day);
  const m = minute - day * MINUTES_PER_DAY;
  return `${pad(d.month)}/${pad(d.day)}/${d.year} ${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** `YYYY-MM` of a minute: the monthly extract it belongs to. */
export function monthOf(minute: number): string {
  const d = dateOf(Math.floor(minute / MINUTES_PER_DAY));
  return `${d.year}-${pad(d.month)}`;
}

/** The Monday on or before a day. */
export function mondayOf(day: number): number {
  return day - dateOf(day).weekday;
}

/**
 * US federal holidays the practice closes for (observed dates), by rule, so
 * any range of years works.
 */
export function isHoliday(day: number): boolean {
  const { year, month, day: dom, weekday } = dateOf(day);
  const nth = (n: number) => Math.ceil(dom / 7) === n;
  const last = dom + 7 > daysInMonth(year, month);
  const observed = (m: number, d: number) => {
    const fixed = dayNumber(`${year}-${pad(m)}-${pad(d)}`);
    const w = dateOf(fixed).weekday;
    return day === (w === 5 ? fixed - 1 : w === 6 ? fixed + 1 : fixed);
  };
  return (
    observed(1, 1) ||
    observed(7, 4) ||
    observed(12, 25) ||
    observed(6, 19) ||
    observed(11, 11) ||
    (month === 1 && weekday === 0 && nth(3)) || // Martin Luther King Jr. Day
    (month === 2 && weekday === 0 && nth(3)) || // Presidents' Day
    (month === 5 && weekday === 0 && last) || // Memorial Day
    (month === 9 && weekday === 0 && nth(1)) || // Labor Day
    (month === 10 && weekday === 0 && nth(2)) || // Columbus Day
    (month === 11 && weekday === 3 && nth(4)) // Thanksgiving
  );
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The next working minute at or after `minute` (weekdays 08:00–17:00, not a holiday). */
export function nextWorkingMinute(minute: number): number {
  let day = Math.floor(minute / MINUTES_PER_DAY);
  let m = minute - day * MINUTES_PER_DAY;
  for (;;) {
    const working = dateOf(day).weekday < 5 && !isHoliday(day);
    if (working && m < 17 * 60) return day * MINUTES_PER_DAY + Math.max(m, 8 * 60);
    day++;
    m = 0;
  }
}
