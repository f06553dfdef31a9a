// Numbers as a practice leader reads them, and the KPI card.
export const number = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const percent = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);

export interface Kpi {
  metric: string;
  /** The week the value is for (its Monday): this week, or for a later stage the latest week old enough. */
  week: string;
  mature_after_days: number;
  value: number | null;
  last_week: number | null;
  avg_previous_4_weeks: number | null;
}

const LABELS: Record<string, { label: string; format: (x: number | null) => string; better: 'up' | 'down' }> = {
  referrals: { label: 'Referrals received', format: (x) => number(x), better: 'up' },
  in_scope: { label: 'In scope', format: (x) => number(x), better: 'up' },
  contact_sla_met_rate: { label: 'Contacted within SLA', format: (x) => percent(x), better: 'up' },
  scheduled_within_14_days: { label: 'Scheduled within 14 days', format: (x) => number(x), better: 'up' },
  seen_within_14_days: { label: 'Seen within 14 days', format: (x) => number(x), better: 'up' },
  loop_closed_within_30_days: { label: 'Loop closed within 30 days', format: (x) => number(x), better: 'up' },
  median_hours_to_contact: { label: 'Median hours to contact', format: (x) => number(x, 1), better: 'down' },
  median_days_to_appointment: { label: 'Median days to appointment', format: (x) => number(x, 1), better: 'down' },
};

export const KPI_ORDER = Object.keys(LABELS);

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon 23 Nov 2026": a date (YYYY-MM-DD, already local) as a leader reads it, the same in every browser. */
export const weekName = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};

/** The Sunday ending a week named by its Monday (YYYY-MM-DD). */
export const weekSunday = (monday: string) => new Date(Date.parse(`${monday}T00:00:00Z`) + 6 * 864e5).toISOString().slice(0, 10);

/**
 * A card: the value, with last week and the 4-week average, the change
 * coloured by whether it is good. A later stage's card names the week it is
 * for, when that is not this week (its referrals have had the full time).
 */
export function kpiCard(kpi: Kpi, thisWeek: string): HTMLElement {
  const spec = LABELS[kpi.metric] ?? { label: kpi.metric, format: (x: number | null) => number(x), better: 'up' as const };
  const change = kpi.value !== null && kpi.avg_previous_4_weeks !== null ? kpi.value - kpi.avg_previous_4_weeks : null;
  const good = change === null || change === 0 ? 'flat' : (change > 0) === (spec.better === 'up') ? 'good' : 'bad';
  const arrow = change === null || change === 0 ? '' : change > 0 ? '▲ ' : '▼ ';
  return el(
    'div',
    { class: 'card kpi' },
    el('h2', {}, spec.label),
    el('div', { class: 'big' }, spec.format(kpi.value)),
    el('div', { class: `compare ${good}` }, `${arrow}vs 4-week average ${spec.format(kpi.avg_previous_4_weeks)}`),
    el('div', { class: 'muted' }, `last week ${spec.format(kpi.last_week)}`),
    kpi.week === thisWeek ? null : el('div', { class: 'muted' }, `for the week of ${weekName(kpi.week)}: the latest whose referrals have all had ${kpi.mature_after_days} days`),
  );
}

/** A line under a chart or table that does not follow the page's filter, saying what it shows instead. */
export const scopeNote = (text: string) => el('p', { class: 'muted scope-note' }, text);

/** A small element builder (Framework's html`` is an implicit, CDN-fetched import). */
export function el(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string | null | undefined)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** A name (a clinician, an office) with what identifies it shown on hover: the NPI, or an office's clinicians and their NPIs. */
export const named = (name: string, hover: string | null | undefined) => (hover ? el('span', { class: 'refloop-name', title: hover }, name) : el('span', {}, name));

/**
 * A plain table for small result sets (no row-level data ever reaches a page).
 * A column with `hover` shows that text of its row on hover (a name's NPI).
 */
export function table(
  rows: Record<string, unknown>[],
  columns: { key: string; label: string; format?: (v: unknown) => string; hover?: (row: Record<string, unknown>) => string | null | undefined }[],
): HTMLElement {
  const head = el('tr', {}, ...columns.map((c) => el('th', {}, c.label)));
  const cell = (row: Record<string, unknown>, c: (typeof columns)[number]) => {
    const text = c.format ? c.format(row[c.key]) : String(row[c.key] ?? '—');
    return c.hover ? named(text, c.hover(row)) : text;
  };
  const body = rows.map((row) => el('tr', {}, ...columns.map((c) => el('td', {}, cell(row, c)))));
  // A wide table scrolls inside its own box rather than widening the page on a phone.
  return el('div', { class: 'refloop-table-scroll' }, el('table', { class: 'refloop-table' }, el('thead', {}, head), el('tbody', {}, ...body)));
}
