// The config the models read, as tables: the SQL reads `config_params`,
// `config_service_lines`, `config_required_documents`, the SLA tables,
// `config_thresholds` and `config_buckets` by name, like any other input (and
// local_date(ts), a macro with the practice's zone), so a model needs no
// templating, holds no threshold of its own, and an analyst can see which
// settings built the marts.
import { slaHoursFor } from '../config/load.ts';
import type { RefloopConfig } from '../config/schema.ts';
import { BUCKET_MEASURES, DEFAULT_FRESHNESS, EXTRACT_KINDS, REFERRAL_TYPES, URGENCIES } from '../config/schema.ts';
import { PLAUSIBLE_DATES } from '../contracts/value-sql.ts';
import { quotedString } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export const CONFIG_TABLES = [
  'config_params',
  'config_service_lines',
  'config_required_documents',
  'config_contact_sla',
  'config_default_contact_sla',
  'config_thresholds',
  'config_buckets',
  'config_targets',
  'config_liaison_goals',
  'config_service_line_aliases',
  'config_feed_freshness',
  'config_alerts',
];

/** config_thresholds' columns: name, value, meaning (the column's comment). */
export function thresholdColumns(config: RefloopConfig): [string, number, string][] {
  const { outreach: o, forecast: f, document_gaps: g, buckets: b, funnel_cohort: c } = config;
  return [
    ['outreach_recent_days', o.recent_days, 'outreach.recent_days: the recent window of the outreach rules, in days (dormant: silent in it; declining: compared with the baseline year before it).'],
    ['dormant_min_referrals', o.dormant.min_referrals, 'outreach.dormant.min_referrals: referrals in the source window a clinician needs to be judged dormant.'],
    ['dormant_max_chance', o.dormant.max_chance, 'outreach.dormant.max_chance: dormant when a silence this long at their own pace is less likely than this.'],
    ['declining_min_baseline_referrals', o.declining.min_baseline_referrals, 'outreach.declining.min_baseline_referrals: referrals in the baseline a clinician needs to be judged declining.'],
    ['declining_max_share_of_expected', o.declining.max_share_of_expected, 'outreach.declining.max_share_of_expected: declining when recent referrals are at most this share of those expected.'],
    ['declining_max_chance', o.declining.max_chance, 'outreach.declining.max_chance: and a drop this size by chance is less likely than this.'],
    ['coaching_min_in_scope', o.coaching.min_in_scope, 'outreach.coaching.min_in_scope: in-scope referrals a clinician needs to be judged for coaching.'],
    ['coaching_prior_strength', o.coaching.prior_strength, 'outreach.coaching.prior_strength: referrals the practice rate weighs as in the shrunk incomplete rate.'],
    ['coaching_min_rate_above_practice', o.coaching.min_rate_above_practice, 'outreach.coaching.min_rate_above_practice: the shrunk incomplete rate must exceed the practice rate by at least this (a fraction).'],
    ['growth_min_peer_median', o.growth.min_peer_median, 'outreach.growth.min_peer_median: the median referrals a year of a specialty’s referring clinicians that makes it a feeder.'],
    ['growth_max_referrals', o.growth.max_referrals, 'outreach.growth.max_referrals: a directory clinician of such a specialty with at most this many referrals is a prospect.'],
    ['growth_min_referring_peers', o.growth.min_referring_peers, 'outreach.growth.min_referring_peers: referring clinicians a specialty needs for its median to count.'],
    ['growth_confidence', o.growth.confidence, 'outreach.growth.confidence: the confidence given to a growth prospect.'],
    ['lift_window_weeks', o.lift.window_weeks, 'outreach.lift.window_weeks: liaison_lift compares this many weeks after a touch with as many before.'],
    ['lift_min_touches', o.lift.min_touches, 'outreach.lift.min_touches: liaison_lift calls a lift only from this many touches.'],
    ['tier_a_min_visits', o.tiers.a_min_visits, 'outreach.tiers.a_min_visits: a referrer whose referrals led to at least this many completed visits in the year before as_of is tier A.'],
    ['tier_b_min_visits', o.tiers.b_min_visits, 'outreach.tiers.b_min_visits: at least this many (and fewer than tier A) is tier B; fewer is tier C.'],
    ['lift_active_weeks', o.lift.active_weeks, 'outreach.lift.active_weeks: a clinician is comparable (touched or not) when they referred in this many weeks before the touch week.'],
    ['forecast_rates_from_days', f.rates_from_days, 'forecast.rates_from_days: the capacity forecast measures its booking rate and show rate on referrals received from this many days before as_of …'],
    ['forecast_rates_to_days', f.rates_to_days, 'forecast.rates_to_days: … to this many days before as_of.'],
    ['document_gaps_min_source_referrals', g.min_source_referrals, 'document_gaps.min_source_referrals: in-scope referrals a source needs for its document-gaps row to be shown.'],
    ['buckets_window_days', b.window_days, 'buckets.window_days: the trailing window, in days, of the duration buckets (duration_buckets).'],
    ['funnel_cohort_from_days', c.from_days, 'funnel_cohort.from_days: the matured cohort of funnel_cohort holds referrals received from this many days before as_of …'],
    ['funnel_cohort_to_days', c.to_days, 'funnel_cohort.to_days: … to this many days before as_of, both days included.'],
  ];
}

/** config_buckets' rows: measure, position, label, lower edge (inclusive), upper edge (exclusive; null for the last). */
export function bucketRows(config: RefloopConfig): { measure: string; bucket_order: number; label: string; lower_bound: number; upper_bound: number | null }[] {
  return BUCKET_MEASURES.flatMap((measure) =>
    config.buckets[measure].map((b, i, list) => ({ measure, bucket_order: i + 1, label: b.label, lower_bound: list[i - 1]?.below ?? 0, upper_bound: b.below ?? null })),
  );
}

/** The config's targets, as the kpi_weekly metric each judges and the direction that is better. */
export const TARGET_METRICS = {
  contact_sla_met_rate: { metric: 'contact_sla_met_rate', better: 'higher' },
  days_to_first_appointment: { metric: 'median_days_to_appointment', better: 'lower' },
  loop_closure_rate: { metric: 'loop_closure_rate', better: 'higher' },
} as const satisfies Record<keyof RefloopConfig['targets'], { metric: string; better: 'higher' | 'lower' }>;

/**
 * config_feed_freshness' rows: each extract kind's thresholds, its feed's own
 * or the kind's default; by its newest record, those of data_* (the arrival's
 * where neither the feed nor the default has them).
 */
export function freshnessRows(config: RefloopConfig): { feed: string; warn_hours: number; error_hours: number; data_warn_hours: number; data_error_hours: number }[] {
  return EXTRACT_KINDS.map((feed) => {
    const own = config.feeds[feed]?.freshness;
    const fallback = DEFAULT_FRESHNESS[feed];
    const arrival = own ?? fallback;
    const data = own?.data_warn_hours !== undefined ? own : fallback.data_warn_hours !== undefined ? fallback : arrival;
    return { feed, warn_hours: arrival.warn_hours, error_hours: arrival.error_hours, data_warn_hours: data.data_warn_hours ?? data.warn_hours, data_error_hours: data.data_error_hours ?? data.error_hours };
  });
}

/** `as_of` as an instant: a date means midnight at its start, local time; default now. */
export async function resolveAsOf(warehouse: Warehouse, asOf: string | undefined): Promise<string> {
  const expression =
    asOf === undefined
      ? 'now()'
      : /^\d{4}-\d{2}-\d{2}$/.test(asOf)
        ? `refloop_local_instant(CAST(try_cast(${quotedString(asOf)} AS DATE) AS TIMESTAMP))`
        : `refloop_parse_timestamp(${quotedString(asOf)})`;
  const [row] = await warehouse.query<{ as_of: string | null; local_date: string | null }>(
    `SELECT CAST(${expression} AS VARCHAR) AS as_of, CAST(CAST(${expression} AS DATE) AS VARCHAR) AS local_date`,
  );
  if (!row?.as_of) throw new Error(`--as-of must be a date (YYYY-MM-DD) or a timestamp (YYYY-MM-DD HH:MM[:SS][±HH:MM]), not ${asOf}`);
  // The marts lay out every week up to as_of: a typo such as 9999-01-01 would
  // build millions of empty weeks for hours. The range is the one a date in an
  // extract must fall in to be plausible.
  if (row.local_date! < PLAUSIBLE_DATES.from || row.local_date! > PLAUSIBLE_DATES.through) {
    throw new Error(`--as-of ${asOf} is outside ${PLAUSIBLE_DATES.from} to ${PLAUSIBLE_DATES.through}, the dates refloop accepts`);
  }
  return row.as_of;
}

export function configTablesSql(config: RefloopConfig, asOf: string, runId: number): string {
  const values = (rows: string[][]) => (rows.length ? `VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}` : '');
  const lines = config.service_lines;
  const documents = lines.flatMap((l) =>
    REFERRAL_TYPES.flatMap((t) => (l.required_documents[t] ?? []).map((d) => [quotedString(l.id), quotedString(t), quotedString(d)])),
  );
  const sla = lines.flatMap((l) => URGENCIES.map((u) => [quotedString(l.id), quotedString(u), String(slaHoursFor(config, l.id)[u])]));
  const thresholds = thresholdColumns(config);
  const buckets = bucketRows(config).map((b) => [quotedString(b.measure), String(b.bucket_order), quotedString(b.label), String(b.lower_bound), b.upper_bound === null ? 'NULL' : String(b.upper_bound)]);
  const targets = Object.entries(TARGET_METRICS).flatMap(([key, t]) => {
    const target = config.targets[key as keyof typeof TARGET_METRICS];
    return target === undefined ? [] : [[quotedString(t.metric), String(target), quotedString(t.better)]];
  });
  const goals = Object.entries(config.liaisons).flatMap(([liaison, { goals: g }]) =>
    (['referrals', 'visits'] as const).flatMap((measure) =>
      (['month', 'quarter', 'year'] as const).flatMap((period) => {
        const goal = g[measure]?.[period];
        return goal === undefined ? [] : [[quotedString(liaison), quotedString(measure), quotedString(period), String(goal)]];
      }),
    ),
  );
  const aliases = lines.flatMap((l) => [...new Set([l.id, l.name, ...l.aliases].map((n) => n.trim().toLowerCase()))].map((n) => [quotedString(l.id), quotedString(n)]));
  return `
CREATE OR REPLACE TABLE config_params AS SELECT
  CAST(${quotedString(asOf)} AS TIMESTAMPTZ) AS as_of,
  ${quotedString(config.timezone)} AS timezone,
  ${config.match_window_days} AS match_window_days,
  ${config.leakage_window_days} AS leakage_window_days,
  ${config.source_window_days} AS source_window_days,
  ${config.min_cell_size} AS min_cell_size,
  CAST(${Math.trunc(runId)} AS BIGINT) AS run_id,
  ${quotedString(config.statements.link_base)} AS statements_link_base;
COMMENT ON TABLE config_params IS 'The settings the marts were built with: as_of (the moment the numbers are for), the time zone, the windows in days, and the run that built them (run_id, a row of runs); statements_link_base: where the site links the referrer statements (config statements.link_base).';
-- The local date of an instant in the practice's zone. A macro with the zone
-- written in, because timezone() given the zone from a joined column sets up
-- its calendar for every row (about 4 µs a row, most of int_referrals).
CREATE OR REPLACE MACRO local_date(ts) AS CAST(timezone(${quotedString(config.timezone)}, ts) AS DATE);
CREATE OR REPLACE TABLE config_service_lines (service_line VARCHAR, name VARCHAR);
${lines.length ? `INSERT INTO config_service_lines ${values(lines.map((l) => [quotedString(l.id), quotedString(l.name)]))};` : ''}
COMMENT ON TABLE config_service_lines IS 'The service lines the practice offers; a referral for another is out of scope.';
CREATE OR REPLACE TABLE config_required_documents (service_line VARCHAR, referral_type VARCHAR, document_type VARCHAR);
${documents.length ? `INSERT INTO config_required_documents ${values(documents)};` : ''}
COMMENT ON TABLE config_required_documents IS 'Documents a referral packet must hold, per service line and referral type (a type not listed requires none).';
CREATE OR REPLACE TABLE config_contact_sla (service_line VARCHAR, urgency VARCHAR, sla_hours DOUBLE);
${sla.length ? `INSERT INTO config_contact_sla ${values(sla)};` : ''}
COMMENT ON TABLE config_contact_sla IS 'Hours within which a referral must be contacted, per service line and urgency.';
CREATE OR REPLACE TABLE config_default_contact_sla (urgency VARCHAR, sla_hours DOUBLE);
INSERT INTO config_default_contact_sla ${values(URGENCIES.map((u) => [quotedString(u), String(config.contact_sla_hours[u])]))};
COMMENT ON TABLE config_default_contact_sla IS 'The default contact SLA per urgency, for service lines the config does not list.';
CREATE OR REPLACE TABLE config_targets (metric VARCHAR, target DOUBLE, better VARCHAR);
${targets.length ? `INSERT INTO config_targets ${values(targets)};` : ''}
COMMENT ON TABLE config_targets IS 'The practice''s targets (config targets), by the kpi_weekly metric each judges; better: higher or lower.';
CREATE OR REPLACE TABLE config_liaison_goals (liaison VARCHAR, measure VARCHAR, period VARCHAR, goal DOUBLE);
${goals.length ? `INSERT INTO config_liaison_goals ${values(goals)};` : ''}
COMMENT ON TABLE config_liaison_goals IS 'Each liaison''s goals for their panel (config liaisons.<name>.goals): measure referrals or visits, period month, quarter or year.';
CREATE OR REPLACE TABLE config_service_line_aliases (service_line VARCHAR, alias VARCHAR);
INSERT INTO config_service_line_aliases ${values(aliases)};
COMMENT ON TABLE config_service_line_aliases IS 'Every name of each service line in lower case (its id, its name, its aliases), to match published references by specialty.';
CREATE OR REPLACE TABLE config_feed_freshness (feed VARCHAR, warn_hours DOUBLE, error_hours DOUBLE, data_warn_hours DOUBLE, data_error_hours DOUBLE);
INSERT INTO config_feed_freshness ${values(freshnessRows(config).map((f) => [quotedString(f.feed), String(f.warn_hours), String(f.error_hours), String(f.data_warn_hours), String(f.data_error_hours)]))};
COMMENT ON TABLE config_feed_freshness IS 'Hours after which each feed is late (warn) and stale (error), judged by its latest arrival and by its newest record (feed_freshness).';
CREATE OR REPLACE TABLE config_thresholds AS SELECT ${thresholds.map(([name, value]) => `CAST(${value} AS DOUBLE) AS ${name}`).join(', ')};
COMMENT ON TABLE config_thresholds IS 'The thresholds of the outreach rules, the forecast''s rate window and the report floors, one row; each column names its config key.';
${thresholds.map(([name, , meaning]) => `COMMENT ON COLUMN config_thresholds.${name} IS ${quotedString(meaning)};`).join('\n')}
CREATE OR REPLACE TABLE config_alerts AS SELECT ${config.outreach.alerts.min_baseline_referrals} AS min_baseline_referrals, ${config.outreach.alerts.min_period_days} AS min_period_days;
COMMENT ON TABLE config_alerts IS 'The floors of the liaison alerts (config outreach.alerts): baseline referrals a referrer needs to raise one, days a goal''s period must have run.';
CREATE OR REPLACE TABLE config_buckets (measure VARCHAR, bucket_order INTEGER, label VARCHAR, lower_bound DOUBLE, upper_bound DOUBLE);
INSERT INTO config_buckets ${values(buckets)};
COMMENT ON TABLE config_buckets IS 'The buckets of the duration distributions (config buckets.*): a value v is in the bucket with lower_bound <= v < upper_bound (upper_bound null: no limit).';
`;
}
