// The outreach worklist: one block per liaison (outreach_worklist's order),
// each a short table of that liaison's first actions, the rest behind
// "show all", and every action's sentence on demand. Numbers sit in their
// own right-aligned columns so a list can be scanned down, not read across.
import { el, number, percent } from './format.js';

export interface Action {
  liaison: string;
  liaison_order: number;
  rank_in_liaison: number;
  is_shown: boolean;
  actions_in_liaison_count: number;
  more_in_liaison_count: number;
  visits_at_stake_in_liaison: number | null;
  priority_rank: number;
  npi: string | null;
  clinician: string | null;
  office: string | null;
  category: string;
  reason: string;
  visits_at_stake: number | null;
  confidence: number | null;
  referrals_last_year: number | null;
  last_referral: string | null;
}

/** A clinician's name, with their NPI on hover (a directory entry without one says so). */
export const clinicianName = (name: string | null, npi: string | null) =>
  el('span', { class: 'refloop-name', title: npi ? `NPI ${npi}` : 'no NPI on record' }, name ?? 'Unnamed clinician');

export const reasonLabel = (category: string) => el('span', { class: `reason-label reason-${category}` }, category);

const COLUMNS = ['#', 'Clinician', 'Why', 'Visits/yr at stake', 'Sure', 'Referrals (yr)', 'Last referral', 'Office', ''];
const NUMERIC = new Set([0, 3, 4, 5]);

function actionTable(actions: Action[]): HTMLElement {
  const head = el('tr', {}, ...COLUMNS.map((c, i) => el('th', NUMERIC.has(i) ? { class: 'num' } : {}, c)));
  const rows = actions.map((a) =>
    el(
      'tr',
      { 'data-rank': String(a.priority_rank) },
      el('td', { class: 'num' }, String(a.rank_in_liaison)),
      el('td', { class: 'name' }, clinicianName(a.clinician, a.npi)),
      el('td', {}, reasonLabel(a.category)),
      el('td', { class: 'num' }, number(a.visits_at_stake, 1)),
      el('td', { class: 'num' }, percent(a.confidence)),
      el('td', { class: 'num' }, number(a.referrals_last_year)),
      el('td', { class: 'num' }, a.last_referral ?? 'none'),
      el('td', { class: 'name' }, a.office ?? '—'),
      el('td', {}, el('details', {}, el('summary', {}, 'why'), el('p', {}, a.reason))),
    ),
  );
  return el('div', { class: 'refloop-table-scroll' }, el('table', { class: 'refloop-table worklist' }, el('thead', {}, head), el('tbody', {}, ...rows)));
}

/** One block per liaison, in the mart's order. */
export function worklist(actions: Action[]): HTMLElement {
  const groups = new Map<string, Action[]>();
  for (const a of [...actions].sort((x, y) => x.liaison_order - y.liaison_order || x.rank_in_liaison - y.rank_in_liaison)) {
    groups.set(a.liaison, [...(groups.get(a.liaison) ?? []), a]);
  }
  const blocks = [...groups.entries()].map(([liaison, rows]) => {
    const first = rows[0]!;
    const shown = rows.filter((a) => a.is_shown);
    const rest = rows.filter((a) => !a.is_shown);
    const heading = `${liaison === 'unassigned' ? 'Unassigned (no liaison owns these)' : liaison} · ${first.actions_in_liaison_count} action${first.actions_in_liaison_count === 1 ? '' : 's'} · ${number(first.visits_at_stake_in_liaison, 0)} visits a year at stake`;
    return el(
      'section',
      { class: 'worklist-group', 'data-liaison': liaison },
      el('h3', {}, heading),
      actionTable(shown),
      rest.length
        ? el('details', { class: 'worklist-more' }, el('summary', {}, `Show all ${first.actions_in_liaison_count} (${first.more_in_liaison_count} more)`), actionTable(rest))
        : null,
    );
  });
  return el('div', { class: 'worklist-groups' }, ...blocks);
}
