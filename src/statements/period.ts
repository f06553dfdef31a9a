// The period a referrer statement covers: a quarter (2026-Q4), a month
// (2026-11), a year (2026) or --from/--to dates; with the period before it
// of the same length and the same period a year earlier, for comparison.
// Dates are local calendar dates; `to` is exclusive (the day after the last).

export interface Period {
  /** Names the folder: 2026-Q4, 2026-11, 2026, or 2026-10-01_2026-12-31. */
  label: string;
  /** How the statement names it: "Q4 2026 (1 Oct – 31 Dec 2026)". */
  title: string;
  from: string;
  to: string;
  previous: { from: string; to: string; title: string };
  lastYear: { from: string; to: string; title: string };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const utc = (date: string) => new Date(`${date}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (date: string, days: number) => iso(new Date(utc(date).getTime() + days * 86_400_000));
const addMonths = (date: string, months: number) => {
  const d = utc(date);
  return iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate())));
};
const isRealDate = (value: string) => ISO_DATE.test(value) && iso(utc(value)) === value;
const dayText = (date: string) => {
  const d = utc(date);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};
/** "1 Oct – 31 Dec 2026" for [from, to). */
export const spanText = (from: string, to: string) => `${dayText(from)} – ${dayText(addDays(to, -1))}`;

function calendarPeriod(label: string, title: string, from: string, months: number): Period {
  const to = addMonths(from, months);
  const previousFrom = addMonths(from, -months);
  const lastYearFrom = addMonths(from, -12);
  const lastYearTo = addMonths(to, -12);
  return {
    label,
    title: `${title} (${spanText(from, to)})`,
    from,
    to,
    previous: { from: previousFrom, to: from, title: spanText(previousFrom, from) },
    lastYear: { from: lastYearFrom, to: lastYearTo, title: spanText(lastYearFrom, lastYearTo) },
  };
}

/** Reads --period, or --from and --to (both dates, `to` inclusive as a person writes it). */
export function parsePeriod(options: { period?: string | undefined; from?: string | undefined; to?: string | undefined }): Period {
  const { period, from, to } = options;
  if (period !== undefined && (from !== undefined || to !== undefined)) throw new Error('give --period, or --from and --to, not both');
  if (period !== undefined) {
    const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
    if (quarter) return calendarPeriod(period, `Q${quarter[2]} ${quarter[1]}`, `${quarter[1]}-${String((Number(quarter[2]) - 1) * 3 + 1).padStart(2, '0')}-01`, 3);
    const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
    if (month) return calendarPeriod(period, `${MONTHS[Number(month[2]) - 1]} ${month[1]}`, `${period}-01`, 1);
    if (/^\d{4}$/.test(period)) return calendarPeriod(period, period, `${period}-01-01`, 12);
    throw new Error(`--period must be a quarter (2026-Q4), a month (2026-11) or a year (2026), not ${period}`);
  }
  if (from === undefined || to === undefined) throw new Error('give --period (2026-Q4, 2026-11 or 2026), or both --from and --to (YYYY-MM-DD)');
  for (const [name, value] of [['--from', from], ['--to', to]] as const) {
    if (!isRealDate(value)) throw new Error(`${name} must be a date written YYYY-MM-DD, not ${value}`);
  }
  if (to < from) throw new Error(`--to (${to}) is before --from (${from})`);
  const end = addDays(to, 1);
  const days = (utc(end).getTime() - utc(from).getTime()) / 86_400_000;
  const previousFrom = addDays(from, -days);
  const lastYear = { from: addMonths(from, -12), to: addMonths(end, -12) };
  return {
    label: `${from}_${to}`,
    title: spanText(from, end),
    from,
    to: end,
    previous: { from: previousFrom, to: from, title: spanText(previousFrom, from) },
    lastYear: { ...lastYear, title: spanText(lastYear.from, lastYear.to) },
  };
}

/**
 * A period not over at as_of, cut to its days so far (up to the local date of
 * as_of, exclusive), with the period before and last year's cut to as many
 * of their first days: a quarter half gone is compared with the first half of
 * the others, not with their whole.
 */
export function soFar(period: Period, asOfDate: string): Period {
  if (asOfDate >= period.to) return period;
  if (asOfDate <= period.from) throw new Error(`${period.title} has not begun by the moment the published numbers are for (${asOfDate}): no statement to write`);
  const days = (utc(asOfDate).getTime() - utc(period.from).getTime()) / 86_400_000;
  const cut = (from: string) => ({ from, to: addDays(from, days), title: spanText(from, addDays(from, days)) });
  const name = period.title.replace(/ \(.*\)$/, '');
  return {
    ...period,
    title: `${name} so far (${spanText(period.from, asOfDate)})`,
    to: asOfDate,
    previous: cut(period.previous.from),
    lastYear: cut(period.lastYear.from),
  };
}
