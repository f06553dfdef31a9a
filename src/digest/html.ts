// The weekly digest as one self-contained HTML document (inline styles, no
// script, nothing fetched), laid out for one or two Letter pages: the
// signals of the week, the funnel, the SLA against its target, the weeks
// that will run short, and each liaison's first outreach actions.
import type { DigestData, FunnelRow, SlaLine } from './read.ts';
import { addDays } from './week.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon 16 Nov 2026", as the site names days. */
export function dayName(date: string): string {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "16 Nov", for a table column. */
const shortDay = (date: string) => {
  const d = new Date(`${date.slice(0, 10)}T00:00:00Z`);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
};

const number = (x: number | null | undefined, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percent = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
const lineName = (line: string) => (line === 'all' ? 'All service lines' : line.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()));

const STYLE = `
  @page { size: Letter; }
  * { box-sizing: border-box; }
  body { font: 9.5pt/1.35 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1b1b1b; margin: 0; }
  h1 { font-size: 15pt; margin: 0 0 2pt; }
  h2 { font-size: 11pt; margin: 9pt 0 3pt; padding-bottom: 2pt; border-bottom: 1px solid #ccc; break-after: avoid; }
  p { margin: 2pt 0 4pt; }
  .muted { color: #5a5a5a; }
  .small { font-size: 8pt; }
  table { border-collapse: collapse; width: 100%; break-inside: auto; }
  th, td { text-align: left; padding: 2pt 5pt 2pt 0; vertical-align: top; border-bottom: 1px solid #eee; }
  th { font-weight: 600; font-size: 8.5pt; color: #444; }
  .nowrap { white-space: nowrap; }
  th.line { font-size: 7.5pt; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tr, tbody.liaison-group { break-inside: avoid; }
  ul.signals { margin: 2pt 0; padding-left: 14pt; }
  ul.signals li { margin: 1pt 0; }
  .better { color: #00795a; } .worse { color: #b34700; }
  .verdict { font-weight: 600; }
  .label { display: inline-block; padding: 0 4pt; border-radius: 6pt; font-size: 7.5pt; font-weight: 600; }
  .dormant { background: #fbe3d6; } .declining { background: #fdf0cf; } .coaching { background: #d9eefb; } .growth { background: #dcf3ea; }
  .liaison td { padding-top: 5pt; font-weight: 600; border-bottom: 1px solid #ccc; }
  .reason { font-size: 7.5pt; color: #444; line-height: 1.25; }
  tr.action td { border-bottom: none; padding-bottom: 0; }
  tr.why td { padding-top: 0; }
  section { break-inside: auto; }
`;

function signalsSection(data: DigestData): string {
  const intro = '<h2>What changed: the signals of the week</h2>';
  if (data.signals === null) return `${intro}<p class="muted" data-section="signals">Signals are not available: these published numbers have no kpi_signals mart (run <code>refloop run --publish</code> with this version).</p>`;
  if (data.signals.length === 0) return `${intro}<p data-section="signals">No signal this week: every headline number stayed within its usual range (its natural process limits), so nothing is reported as a change.</p>`;
  const items = data.signals.map(
    (s) => `<li class="${s.is_improvement === null ? '' : s.is_improvement ? 'better' : 'worse'}">${escape(s.sentence)}</li>`,
  );
  return `${intro}<ul class="signals" data-section="signals">${items.join('')}</ul>`;
}

function funnelCell(value: number | null, attrs: string): string {
  return `<td class="num" ${attrs}>${value === null ? '—' : number(value)}</td>`;
}

function funnelSection(data: DigestData): string {
  const head = `<tr><th>Stage</th><th class="nowrap">Week of</th><th class="num">All lines</th><th class="num">4-wk avg</th>${data.lines.map((l) => `<th class="num line">${escape(lineName(l))}</th>`).join('')}</tr>`;
  const row = (f: FunnelRow) =>
    `<tr data-metric="${escape(f.metric)}"><td class="nowrap">${escape(f.label)}</td><td class="nowrap">${escape(shortDay(f.week))}</td>${funnelCell(f.total, 'data-line="all"')}<td class="num">${number(f.avg_previous_4_weeks, 1)}</td>${data.lines
      .map((l) => funnelCell(f.lines[l] ?? null, `data-line="${escape(l)}"`))
      .join('')}</tr>`;
  return `<h2>The funnel</h2>
    <p class="small muted">Referrals received in the week named, counted at equal age: a later stage is read for the latest week whose referrals have all had its time (14 days to be scheduled or seen, 30 for the loop to close), so a young week does not read as a drop. The counts are the dashboards' own.</p>
    <table data-section="funnel"><thead>${head}</thead><tbody>${data.funnel.map(row).join('')}</tbody></table>`;
}

function slaSection(data: DigestData): string {
  const { all, target, better } = data.sla;
  const rate = all?.rate ?? null;
  let verdict: string;
  if (target === null) verdict = 'no target set (set <code>targets.contact_sla_met_rate</code> in the config)';
  else if (rate === null) verdict = `target ${percent(target)}; not available this week`;
  else {
    const met = better === 'lower' ? rate <= target : rate >= target;
    verdict = `<span class="verdict ${met ? 'better' : 'worse'}">${met ? 'meets' : 'below'}</span> the target of ${percent(target)}`;
  }
  const lineText = (l: SlaLine) => `${escape(lineName(l.service_line))} ${percent(l.rate)}`;
  return `<h2>Contacted within the SLA, against the target</h2>
    <p data-section="sla"><b>${percent(rate)}</b> of the referrals received in the week of ${all ? escape(dayName(all.week)) : '—'} were contacted within their SLA, all service lines: ${verdict}.</p>
    <p class="small muted">By service line: ${data.sla.lines.map(lineText).join(' · ') || '—'}.</p>`;
}

function capacitySection(data: DigestData): string {
  const title = '<h2>Weeks that will run short</h2>';
  const short = data.shortWeeks.filter((w) => w.is_short);
  const busy = data.shortWeeks.filter((w) => !w.is_short);
  if (data.shortWeeks.length === 0) return `${title}<p data-section="capacity">No week of the next 12 is expected to run short of new-patient slots, on any service line.</p>`;
  const shown = short.slice(0, 8);
  const rows = shown.map(
    (w) =>
      `<tr><td>${escape(dayName(w.week))}</td><td>${escape(lineName(w.service_line))}</td><td class="num">${number(w.expected_new_patients, 1)}</td><td class="num">${number(w.expected_new_patients_hi80)}</td><td class="num">${number(w.slots)}</td><td class="num">${number(w.shortfall, 1)}</td></tr>`,
  );
  const byLine = [...new Set(busy.map((w) => w.service_line))].map((l) => {
    const weeks = busy.filter((w) => w.service_line === l);
    return `${escape(lineName(l))} ${weeks.length} week${weeks.length === 1 ? '' : 's'} (from ${escape(shortDay(weeks[0]!.week))})`;
  });
  const more = short.length - shown.length;
  return `${title}<p class="small muted">The capacity forecast as of ${escape(dayName(data.asOf))}: expected new-patient visits against the slots in the capacity extract, the next 12 weeks.</p>
    ${short.length ? `<table data-section="capacity"><thead><tr><th>Week of</th><th>Service line</th><th class="num">Expected</th><th class="num">80% upper</th><th class="num">Slots</th><th class="num">Short by</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p data-section="capacity">No week is expected to run short at the expected volume.</p>'}
    ${more > 0 ? `<p class="small muted">and ${more} more short week${more === 1 ? '' : 's'}: see the Capacity page.</p>` : ''}
    ${busy.length ? `<p class="small">Short only if busy (the 80% upper bound passes the slots): ${byLine.join(' · ')}.</p>` : ''}`;
}

function outreachSection(data: DigestData): string {
  const title = '<h2>Top outreach actions, by liaison</h2>';
  if (data.outreach.length === 0) return `${title}<p data-section="outreach">No outreach action this week.</p>`;
  // One tbody a liaison, kept on one page: a page break never parts a liaison from their actions or an action from its reason.
  const groups: string[][] = [];
  let current: string | undefined;
  for (const a of data.outreach) {
    if (a.liaison !== current) {
      current = a.liaison;
      const more = data.outreachMore[a.liaison] ?? 0;
      groups.push([]);
      groups.at(-1)!.push(`<tr class="liaison" data-liaison="${escape(a.liaison)}"><td colspan="5">${escape(a.liaison === 'unassigned' ? 'Unassigned' : a.liaison)}<span class="muted small"> · ${a.actions_in_liaison_count} action${a.actions_in_liaison_count === 1 ? '' : 's'}${more ? `, ${more} more on the Outreach page` : ''}</span></td></tr>`);
    }
    groups.at(-1)!.push(
      `<tr class="action"><td class="num">${a.rank_in_liaison}</td><td>${escape(a.clinician ?? 'Unnamed clinician')}${a.npi ? ` <span class="muted small">NPI ${escape(a.npi)}</span>` : ''} <span class="muted small">· ${escape(a.office ?? '')}</span></td><td><span class="label ${escape(a.category)}">${escape(a.category)}</span></td><td class="num">${number(a.visits_at_stake, 1)}</td><td class="num">${percent(a.confidence)}</td></tr>
       <tr class="why"><td></td><td colspan="4" class="reason">${escape(a.reason)}</td></tr>`,
    );
  }
  return `${title}<p class="small muted">Each liaison's first actions, ranked by completed visits a year at stake times how sure we are (all service lines).</p>
    <table data-section="outreach"><thead><tr><th class="num">#</th><th>Clinician</th><th>Why</th><th class="num">Visits/yr at stake</th><th class="num">Confidence</th></tr></thead>${groups.map((rows) => `<tbody class="liaison-group">${rows.join('')}</tbody>`).join('')}</table>`;
}

export function digestHtml(data: DigestData): string {
  const sunday = addDays(data.week, 6);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Weekly referral digest, week of ${escape(dayName(data.week))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<header>
  <h1>Weekly referral digest</h1>
  <p data-week="${escape(data.week)}"><b>Week of ${escape(dayName(data.week))} to ${escape(dayName(sunday))}</b> · numbers as of ${escape(dayName(data.asOf))} ${escape(data.asOf.slice(11))} (${escape(data.timezone)})${data.runId === null ? '' : ` · run ${data.runId}`}</p>
  <p class="small muted">Aggregates only: no patient is named or counted alone. Generated by refloop from the published marts, the same numbers as the dashboards.</p>
</header>
<section>${signalsSection(data)}</section>
<section>${funnelSection(data)}</section>
<section>${slaSection(data)}</section>
<section>${capacitySection(data)}</section>
<section>${outreachSection(data)}</section>
</body></html>
`;
}
