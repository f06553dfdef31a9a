// Which week a digest is for. Weeks run Monday to Sunday and are named by
// their Monday (YYYY-MM-DD, local to the practice). The default is "this
// week" as the site has it: the last complete week before as_of.

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A local calendar date (YYYY-MM-DD) plus `days`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The Monday of the week holding a local date. */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/** The last complete Monday–Sunday week before a moment whose local date is `asOfDate`: the week before the one holding it. */
export const lastCompleteWeek = (asOfDate: string) => addDays(mondayOf(asOfDate), -7);

/** Checks a --week value: a real calendar date, named by the Monday of its week. */
export function parseWeek(value: string): string {
  const valid = ISO_DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  if (!valid) throw new Error(`--week must be a date written YYYY-MM-DD (a Monday, or any day of the week wanted), not ${value}`);
  return mondayOf(value);
}

/**
 * The week a later stage is read for in a digest of `week`: the latest week
 * whose referrals have all had `days` by the end of the digest's week
 * (kpi_weekly's equal-age rule): `week` for a count known at receipt, a week
 * earlier for a 3-day SLA, two for 14 days, five for 30.
 */
export const matureWeek = (week: string, days: number) => addDays(week, -7 * Math.ceil(days / 7));
