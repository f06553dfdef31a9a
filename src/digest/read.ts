// What the weekly digest shows, read from the published marts (the same
// snapshot set the site is built from) for one week, with the numbers the
// marts hold, as the dashboards show them. Aggregates only, and no breakdown
// by a patient attribute (the site's suppression applies to those): counts by
// service line are shown as they are, so the digest and the site agree.
import type { Query } from '../site/loader.ts';

/** The funnel's stages, as kpi_weekly names them, in order. */
export const FUNNEL = [
  { metric: 'referrals', label: 'Referrals received' },
  { metric: 'in_scope', label: 'In scope' },
  { metric: 'contact_sla_met', label: 'Contacted within SLA' },
  { metric: 'scheduled_within_14_days', label: 'Scheduled within 14 days' },
  { metric: 'seen_within_14_days', label: 'Seen within 14 days' },
  { metric: 'loop_closed_within_30_days', label: 'Loop closed within 30 days' },
] as const;

export interface Signal {
  metric: string;
  metric_label: string | null;
  service_line: string;
  week: string;
  sentence: string;
  is_improvement: boolean | null;
}

export interface FunnelRow {
  metric: string;
  label: string;
  /** The week the stage is read for (a later stage: the latest week old enough). */
  week: string;
  /** The practice's count. */
  total: number | null;
  avg_previous_4_weeks: number | null;
  /** Count per service line (null: the line has no row that week). */
  lines: Record<string, number | null>;
}

export interface SlaLine {
  service_line: string;
  week: string;
  rate: number | null;
}

export interface ShortWeek {
  service_line: string;
  week: string;
  expected_new_patients: number | null;
  expected_new_patients_hi80: number | null;
  slots: number | null;
  shortfall: number | null;
  is_short: boolean;
}

export interface OutreachAction {
  liaison: string;
  rank_in_liaison: number;
  actions_in_liaison_count: number;
  clinician: string | null;
  npi: string | null;
  office: string | null;
  category: string;
  reason: string;
  visits_at_stake: number | null;
  confidence: number | null;
}

export interface DigestData {
  week: string;
  /** The moment the published numbers are for (local, YYYY-MM-DD HH:MM) and their zone. */
  asOf: string;
  timezone: string;
  runId: number | null;
  lines: string[];
  /** null when the published set has no kpi_signals mart. */
  signals: Signal[] | null;
  funnel: FunnelRow[];
  sla: { all: SlaLine | null; target: number | null; better: 'higher' | 'lower' | null; lines: SlaLine[] };
  shortWeeks: ShortWeek[];
  outreach: OutreachAction[];
  /** Actions beyond the ones shown, per liaison. */
  outreachMore: Record<string, number>;
}

/** How many actions per liaison the digest lists. */
export const ACTIONS_PER_LIAISON = 3;

async function hasTable(query: Query, name: string): Promise<boolean> {
  const rows = await query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = '${name}'`);
  const tables = await query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = '${name}'`);
  return (rows[0]?.n ?? 0) + (tables[0]?.n ?? 0) > 0;
}

const date = (d: string) => `DATE '${d.replace(/[^0-9-]/g, '')}'`;

/** The week each metric is read for in a digest of `week`: kpi_weekly's age for it, in whole weeks before. */
const readWeekSql = (week: string) => `${date(week)} - (7 * ceil(k.mature_after_days / 7.0))::INTEGER`;

/**
 * The signals of the week (kpi_signals, see its header): each metric's signal
 * for the week the digest reads it for (this week for counts known at
 * receipt, the latest week old enough for a later stage); null without the
 * mart, each in the mart's own sentence (the one This week shows).
 */
export async function readSignals(query: Query, week: string): Promise<Signal[] | null> {
  if (!(await hasTable(query, 'kpi_signals'))) return null;
  return query<Signal>(
    `SELECT s.metric, s.metric_label, s.service_line, s.week_start::VARCHAR AS week, s.signal_sentence AS sentence, s.is_improvement
     FROM kpi_signals s
     JOIN (SELECT DISTINCT metric, mature_after_days FROM kpi_weekly) k ON k.metric = s.metric
     WHERE s.is_signal AND s.signal_sentence IS NOT NULL AND s.week_start = ${readWeekSql(week)}
     ORDER BY s.service_line <> 'all', s.service_line, s.metric`,
  );
}

/** The funnel of the week: the practice's counts and each line's. */
export async function readFunnel(query: Query, week: string): Promise<{ funnel: FunnelRow[]; lines: string[] }> {
  const rows = await query<{ metric: string; service_line: string; week: string; value: number | null; avg_previous_4_weeks: number | null }>(
    `SELECT k.metric, k.service_line, k.week::VARCHAR AS week, k.value, k.avg_previous_4_weeks
     FROM kpi_weekly k
     WHERE k.metric IN (${FUNNEL.map((f) => `'${f.metric}'`).join(', ')}) AND k.week = ${readWeekSql(week)}`,
  );
  const lines = [...new Set(rows.map((r) => r.service_line).filter((l) => l !== 'all'))].sort();
  const funnel = FUNNEL.flatMap(({ metric, label }) => {
    const all = rows.find((r) => r.metric === metric && r.service_line === 'all');
    if (!all) return [];
    const byLine = Object.fromEntries(lines.map((line) => [line, rows.find((r) => r.metric === metric && r.service_line === line)?.value ?? null]));
    return [{ metric, label, week: all.week, total: all.value, avg_previous_4_weeks: all.avg_previous_4_weeks, lines: byLine }];
  });
  return { funnel, lines };
}

export async function readSla(query: Query, week: string, lines: string[]): Promise<DigestData['sla']> {
  const rows = await query<{ service_line: string; week: string; rate: number | null }>(
    `SELECT k.service_line, k.week::VARCHAR AS week, k.value AS rate FROM kpi_weekly k
     WHERE k.metric = 'contact_sla_met_rate' AND k.week = ${readWeekSql(week)}`,
  );
  const line = (service_line: string): SlaLine | null => rows.find((r) => r.service_line === service_line) ?? null;
  let target: number | null = null;
  let better: 'higher' | 'lower' | null = null;
  if (await hasTable(query, 'config_targets')) {
    const [t] = await query<{ target: number; better: 'higher' | 'lower' }>("SELECT target, better FROM config_targets WHERE metric = 'contact_sla_met_rate' LIMIT 1");
    if (t) ({ target, better } = t);
  }
  return { all: line('all'), target, better, lines: lines.map(line).filter((l): l is SlaLine => l !== null) };
}

/** Weeks of the capacity forecast that will run short (or will if busy), every line. */
export async function readShortWeeks(query: Query): Promise<ShortWeek[]> {
  if (!(await hasTable(query, 'capacity_forecast'))) return [];
  return query<ShortWeek>(
    `SELECT service_line, week_start::VARCHAR AS week, expected_new_patients, expected_new_patients_hi80, slots, shortfall, is_short
     FROM capacity_forecast WHERE is_short OR is_at_risk ORDER BY NOT is_short, week_start, service_line`,
  );
}

/** Each liaison's first actions of the worklist (outreach_worklist's order). */
export async function readOutreach(query: Query): Promise<{ actions: OutreachAction[]; more: Record<string, number> }> {
  if (!(await hasTable(query, 'outreach_worklist'))) return { actions: [], more: {} };
  const actions = await query<OutreachAction>(
    `SELECT liaison, rank_in_liaison, actions_in_liaison_count, clinician, npi, office, category, reason, visits_at_stake, confidence
     FROM outreach_worklist WHERE rank_in_liaison <= ${ACTIONS_PER_LIAISON} ORDER BY liaison_order, rank_in_liaison`,
  );
  const more = Object.fromEntries(actions.map((a) => [a.liaison, Math.max(0, a.actions_in_liaison_count - ACTIONS_PER_LIAISON)]));
  return { actions, more };
}

/** Everything the digest shows for `week` (a Monday). */
export async function readDigest(query: Query, week: string, targetsFromConfig: { target: number; better: 'higher' | 'lower' } | null): Promise<DigestData> {
  const [params] = await query<{ as_of: string; as_of_date: string; timezone: string; run_id: number | null }>(
    "SELECT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, strftime(as_of, '%Y-%m-%d') AS as_of_date, timezone, run_id FROM config_params",
  );
  if (!params) throw new Error('the published numbers have no config_params: run `refloop run --publish` first');
  const { funnel, lines } = await readFunnel(query, week);
  const sla = await readSla(query, week, lines);
  if (sla.target === null && targetsFromConfig) Object.assign(sla, targetsFromConfig);
  const outreach = await readOutreach(query);
  return {
    week,
    asOf: params.as_of,
    timezone: params.timezone,
    runId: params.run_id === null ? null : Number(params.run_id),
    lines,
    signals: await readSignals(query, week),
    funnel,
    sla,
    shortWeeks: await readShortWeeks(query),
    outreach: outreach.actions,
    outreachMore: outreach.more,
  };
}

/** The weeks the published numbers can make a digest for: from the first week of kpi_weekly to the last that had ended at as_of. */
export async function weeksCovered(query: Query): Promise<{ first: string; last: string } | null> {
  const [row] = await query<{ first: string | null; last: string | null }>(
    `SELECT min(week)::VARCHAR AS first, max(week) FILTER (WHERE is_complete_week)::VARCHAR AS last FROM kpi_weekly WHERE service_line = 'all'`,
  );
  return row?.first && row.last ? { first: row.first, last: row.last } : null;
}

