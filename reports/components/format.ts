// Numbers, dates and names as a practice leader reads them, and plain tables.
export const number = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const percent = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon 23 Nov 2026": a date (YYYY-MM-DD, already local) as a leader reads it, the same in every browser. */
export const weekName = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
};

/** The Sunday ending a week named by its Monday (YYYY-MM-DD). */
export const weekSunday = (monday: string) => new Date(Date.parse(`${monday}T00:00:00Z`) + 6 * 864e5).toISOString().slice(0, 10);

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
  columns: { key: string; label: string; format?: (v: unknown, row: Record<string, unknown>) => string; hover?: (row: Record<string, unknown>) => string | null | undefined }[],
): HTMLElement {
  const head = el('tr', {}, ...columns.map((c) => el('th', {}, c.label)));
  const cell = (row: Record<string, unknown>, c: (typeof columns)[number]) => {
    const text = c.format ? c.format(row[c.key], row) : String(row[c.key] ?? '—');
    return c.hover ? named(text, c.hover(row)) : text;
  };
  const body = rows.map((row) => el('tr', {}, ...columns.map((c) => el('td', {}, cell(row, c)))));
  // A wide table scrolls inside its own box rather than widening the page on a phone.
  return el('div', { class: 'refloop-table-scroll' }, el('table', { class: 'refloop-table' }, el('thead', {}, head), el('tbody', {}, ...body)));
}
