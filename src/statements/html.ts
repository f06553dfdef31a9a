// One referrer statement as a self-contained page (printed to one PDF page):
// how the office's own referrals moved through our intake this period, what
// we need from them, and how to reach us. Aggregates of their referrals only.
import type { RefloopConfig } from '../config/schema.ts';
import type { Period } from './period.ts';
import { OPEN_STAGES, type Statement } from './read.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const words = (id: string) => id.replace(/_/g, ' ');
const count = (n: number) => n.toLocaleString('en-US');
const percent = (part: number, whole: number) => (whole === 0 ? 'not available' : `${Math.round((100 * part) / whole)}%`);
const days = (x: number | null) => (x === null ? 'not available' : `${x.toLocaleString('en-US', { maximumFractionDigits: 1 })} days`);

/** What the statement needs from the config: our lines (names, checklists), the target and the intake contacts. */
export interface StatementContext {
  period: Period;
  asOf: string;
  lines: RefloopConfig['service_lines'];
  daysTarget: number | null;
  intake: RefloopConfig['intake'];
}

const STYLE = `
  @page { size: Letter; }
  * { box-sizing: border-box; }
  body { font: 9.5pt/1.35 system-ui, "DejaVu Sans", sans-serif; color: #1b1b1b; margin: 0; }
  h1 { font-size: 14pt; margin: 0 0 2pt; }
  h2 { font-size: 10.5pt; margin: 8pt 0 3pt; padding-bottom: 2pt; border-bottom: 1px solid #ccc; break-after: avoid; }
  p { margin: 2pt 0 4pt; }
  .muted { color: #5a5a5a; } .small { font-size: 8pt; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 2pt 6pt 2pt 0; border-bottom: 1px solid #eee; vertical-align: top; }
  th { font-weight: 600; font-size: 8.5pt; color: #444; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .columns { display: flex; gap: 14pt; } .columns > div { flex: 1; }
  ul { margin: 2pt 0; padding-left: 13pt; } li { margin: 1pt 0; }
`;

function change(now: number, before: number): string {
  if (before === 0) return now === 0 ? 'no change' : 'none before';
  const delta = Math.round((100 * (now - before)) / before);
  return delta === 0 ? 'no change' : `${delta > 0 ? '+' : ''}${delta}%`;
}

function volume(s: Statement, c: StatementContext): string {
  return `<h2>Your referrals</h2>
    <table data-section="volume"><thead><tr><th>Period</th><th class="num">Referrals</th><th class="num">This period against it</th></tr></thead><tbody>
    <tr><td>This period: ${escape(c.period.title)}</td><td class="num">${count(s.referrals)}</td><td></td></tr>
    <tr><td>The period before: ${escape(c.period.previous.title)}</td><td class="num">${count(s.previous_referrals)}</td><td class="num">${change(s.referrals, s.previous_referrals)}</td></tr>
    <tr><td>The same period last year: ${escape(c.period.lastYear.title)}</td><td class="num">${count(s.last_year_referrals)}</td><td class="num">${change(s.referrals, s.last_year_referrals)}</td></tr>
    </tbody></table>`;
}

function speed(s: Statement, c: StatementContext): string {
  const lineName = (id: string) => c.lines.find((l) => l.id === id)?.name ?? words(id);
  const rows = s.lines.map(
    (l) =>
      `<tr><td>${escape(lineName(l.service_line))}</td><td class="num">${count(l.referrals)}</td><td class="num">${days(l.median_days_to_appointment)}</td><td class="small muted">${l.benchmark_label ? escape(l.benchmark_label) : ''}</td></tr>`,
  );
  return `<h2>How fast your patients were seen</h2>
    <ul data-section="speed">
      <li><b>${percent(s.sla_met, s.sla_due)}</b> of your patients were contacted within our response time${s.sla_due ? ` (${count(s.sla_met)} of ${count(s.sla_due)} whose time had come)` : ''}.</li>
      <li>Median time from your referral to the first appointment: <b>${days(s.median_days_to_appointment)}</b>${c.daysTarget === null ? '' : ` (our target: ${days(c.daysTarget)})`}.</li>
      <li><b>${percent(s.seen, s.accepted)}</b> of the referrals we accepted have been seen so far (${count(s.seen)} of ${count(s.accepted)}).</li>
      <li>The visit summary went back to you after <b>${percent(s.summaries_sent, s.seen)}</b> of the visits${s.median_days_to_summary === null ? '' : `, a median of ${days(s.median_days_to_summary)} after the visit`}.</li>
    </ul>
    ${rows.length ? `<table data-section="lines"><thead><tr><th>Service line</th><th class="num">Referrals</th><th class="num">Median days to first appointment</th><th>Published reference</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : ''}`;
}

function packets(s: Statement, c: StatementContext): string {
  const used = s.lines.map((l) => c.lines.find((line) => line.id === l.service_line)).filter((l) => l !== undefined);
  const checklist = used.flatMap((line) =>
    Object.entries(line.required_documents).map(([type, documents]) => `<li>${escape(line.name)}, ${escape(words(type))}: ${documents.map((d) => escape(words(d))).join(', ')}</li>`),
  );
  const missing = s.missing_documents.slice(0, 4).map((m) => `<li>${escape(words(m.document_type))}: missing from ${count(m.referrals)} referral${m.referrals === 1 ? '' : 's'}</li>`);
  return `<h2>What we need with a referral</h2>
    <div class="columns" data-section="packets">
      <div><p><b>${count(s.incomplete_at_receipt)}</b> of your ${count(s.in_scope)} referrals for a service we offer arrived without every document we need${s.in_scope ? ` (${percent(s.incomplete_at_receipt, s.in_scope)})` : ''}. A complete packet lets us call your patient sooner.</p>
      ${missing.length ? `<p class="small">Most often missing:</p><ul class="small">${missing.join('')}</ul>` : ''}</div>
      <div><p class="small">Our checklist for the services you use:</p>${checklist.length ? `<ul class="small">${checklist.join('')}</ul>` : '<p class="small muted">No document is required for them.</p>'}</div>
    </div>`;
}

function notAccepted(s: Statement, c: StatementContext): string {
  if (s.declined.length === 0 && s.not_offered.length === 0) return '';
  const declined = s.declined.map((d) => `<li>${count(d.referrals)} declined: ${escape(words(d.reason))}</li>`);
  const notOffered = s.not_offered.map((n) => `<li>${count(n.referrals)} for ${escape(words(n.service_line))}, a service we do not offer</li>`);
  return `<h2>Referrals we could not accept</h2>
    <ul data-section="not-accepted">${[...declined, ...notOffered].join('')}</ul>
    ${notOffered.length ? `<p class="small">What we do offer: ${c.lines.map((l) => escape(l.name)).join(', ')}.</p>` : ''}`;
}

function stillOpen(s: Statement): string {
  const total = s.open.reduce((sum, o) => sum + o.referrals, 0);
  const rows = OPEN_STAGES.map((stage) => ({ stage, referrals: s.open.find((o) => o.stage === stage)?.referrals ?? 0 })).filter((o) => o.referrals > 0);
  return `<h2>Your referrals still open</h2>
    ${total === 0 ? '<p data-section="open">None: every referral of this period has been seen, declined, or closed.</p>' : `<p data-section="open">${count(total)} of this period's referrals are still on their way: ${rows.map((o) => `${count(o.referrals)} ${escape(o.stage)}`).join(' · ')}.</p>`}`;
}

function contacts(c: StatementContext): string {
  const intake = c.intake;
  const parts = [intake.phone && `phone ${escape(intake.phone)}`, intake.fax && `fax ${escape(intake.fax)}`, intake.email && `email ${escape(intake.email)}`, intake.hours && escape(intake.hours)].filter(Boolean);
  return `<h2>Reaching our intake team</h2>
    <p data-section="contacts">${parts.length ? parts.join(' · ') : '<span class="muted">Ask your liaison for our intake contacts.</span>'}</p>`;
}

export function statementHtml(s: Statement, c: StatementContext): string {
  const whom = s.clinician ? `${escape(s.clinician.name ?? 'Clinician')} (NPI ${escape(s.clinician.npi)}), ${escape(s.office)}` : escape(s.office);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Referral statement, ${whom}, ${escape(c.period.title)}</title><style>${STYLE}</style></head>
<body>
<header>
  <h1>Your referrals to ${escape(c.intake.practice ?? 'us')}: ${escape(c.period.title)}</h1>
  <p data-office="${escape(s.office)}"><b>${whom}</b>${s.organization ? ` · ${escape(s.organization)}` : ''}${s.liaisons.length ? ` · your liaison: ${s.liaisons.map(escape).join(', ')}` : ''}</p>
  <p class="small muted">About the referrals your office sent us, counted together: no patient is named or described. Numbers as of ${escape(c.asOf)}.</p>
</header>
${volume(s, c)}
${speed(s, c)}
${packets(s, c)}
${notAccepted(s, c)}
${stillOpen(s)}
${contacts(c)}
</body></html>
`;
}
