// The practice's config file (spec: config.md), as a zod schema. Every key but
// `timezone` and `service_lines` has the default config.md shows.
import { createRequire } from 'node:module';
import { z } from 'zod';
import { REFERRAL_TYPES, URGENCIES } from '../contracts/extracts.ts';
import { feedFor, type FeedConfig, isIanaZone } from './feed-schema.ts';

export const EXTRACT_KINDS = [
  'referrals',
  'referral_events',
  'appointments',
  'visits',
  'providers',
  'capacity',
  'liaison_activities',
] as const;

const positiveHours = z.number().positive().max(24 * 366);
/** Windows of days: at most ten years (a larger one overflows the date arithmetic of the models). */
const windowDays = z.number().int().positive().max(3660);
const slaHours = z.object({ stat: positiveHours, urgent: positiveHours, routine: positiveHours }).strict();
const slaOverride = z
  .object({ stat: positiveHours.optional(), urgent: positiveHours.optional(), routine: positiveHours.optional() })
  .strict();

const ianaTimezone = z.string().refine(isIanaZone, { message: 'not an IANA time zone name (e.g. America/New_York)' });
/** The practice's name in its published snapshots (a `practice` column and file metadata), so many practices' snapshots read as one. */
export const DEFAULT_PRACTICE_ID = 'practice';
const practiceId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, { message: 'a short slug: lower-case letters, digits and hyphens, 64 at most, such as north-clinic' })
  .default(DEFAULT_PRACTICE_ID);
/**
 * node-cron's own check (the scheduler runs the expressions with it), loaded
 * at the first expression a config sets: loading it cost every command 27 ms.
 */
const isValidCron = (expression: string): boolean => (createRequire(import.meta.url)('node-cron') as typeof import('node-cron')).validate(expression);
const cronExpression = z.string().refine((s) => isValidCron(s), { message: 'not a valid cron expression' });

const documentType = z.string().trim().min(1).toLowerCase();

const serviceLine = z
  .object({
    id: z.string().trim().min(1).toLowerCase(),
    name: z.string().min(1),
    required_documents: z.partialRecord(z.enum(REFERRAL_TYPES), z.array(documentType)).default({}),
    contact_sla_hours: slaOverride.default({}),
    /** Source values that mean this line (a department, a specialty name, a SNOMED or NUCC code), matched case-insensitively after trimming. */
    aliases: z.array(z.string().trim().min(1)).default([]),
  })
  .strict();

/** Each kind's feed mapping, checked against that kind's contract (feed-schema.ts). */
const feeds = z
  .object(Object.fromEntries(EXTRACT_KINDS.map((kind) => [kind, feedFor(kind).optional()])) as Record<(typeof EXTRACT_KINDS)[number], z.ZodOptional<ReturnType<typeof feedFor>>>)
  .strict();

/**
 * Defaults where a feed sets no freshness: files of the daily feeds two and
 * four days; the directory and capacity five and ten weeks. Their newest
 * record (data_*) four and seven days: a long weekend without visits is not late.
 */
export const DEFAULT_FRESHNESS: Record<(typeof EXTRACT_KINDS)[number], { warn_hours: number; error_hours: number; data_warn_hours?: number; data_error_hours?: number }> = {
  referrals: { warn_hours: 48, error_hours: 96, data_warn_hours: 96, data_error_hours: 168 },
  referral_events: { warn_hours: 48, error_hours: 96, data_warn_hours: 96, data_error_hours: 168 },
  appointments: { warn_hours: 48, error_hours: 96, data_warn_hours: 96, data_error_hours: 168 },
  visits: { warn_hours: 48, error_hours: 96, data_warn_hours: 96, data_error_hours: 168 },
  providers: { warn_hours: 24 * 35, error_hours: 24 * 70 },
  capacity: { warn_hours: 24 * 35, error_hours: 24 * 70 },
  liaison_activities: { warn_hours: 24 * 14, error_hours: 24 * 28 },
};

export const ADAPTERS = ['csv', 'epic-ehi', 'fhir-r4', 'nppes'] as const;

/** A system that delivers files, and the adapter that reads them (sources.md). */
const source = z
  .object({
    name: z.string().trim().min(1).regex(/^[A-Za-z0-9_.-]+$/, { message: 'a source name is letters, digits, _ . or -' }),
    adapter: z.enum(ADAPTERS),
    /** Relative to the inbox. */
    path: z.string().min(1).default('.'),
    /** Overrides of the adapter's value maps, by map name: source value → canonical value. */
    maps: z.record(z.string(), z.record(z.string(), z.string())).default({}),
    /** nppes: also keep the directory entries whose practice ZIP starts with one of these. */
    zip3: z.array(z.string().regex(/^\d{3}$/, { message: 'a ZIP3 is three digits' })).optional(),
    /** csv sources: feed mappings for this source's files (default: the top-level feeds). */
    feeds: feeds.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.feeds && s.adapter !== 'csv') ctx.addIssue({ code: 'custom', path: ['feeds'], message: 'feeds map vendor reports: only a csv source has them' });
    if (s.zip3 && s.adapter !== 'nppes') ctx.addIssue({ code: 'custom', path: ['zip3'], message: 'zip3 filters the NPPES file: only an nppes source has it' });
  });

/**
 * A min_cell_size below 2 suppresses nothing (no count from 1 up is small):
 * allowed only with this key set to true, so publishing every small count is
 * a decision someone wrote down, not a typo. Set with suppression on, it is
 * refused too: an acknowledgement left behind would let a later edit of
 * min_cell_size turn suppression off without anyone deciding it again.
 */
export const SUPPRESSION_OFF_KEY = 'acknowledge_suppression_off';
const SUPPRESSION_OFF_BELOW = 2;

function checkSuppressionAcknowledged(config: { min_cell_size: number; acknowledge_suppression_off: boolean }, ctx: z.RefinementCtx): void {
  const off = config.min_cell_size < SUPPRESSION_OFF_BELOW;
  if (off && !config.acknowledge_suppression_off) {
    ctx.addIssue({
      code: 'custom',
      path: ['min_cell_size'],
      message: `${config.min_cell_size} turns small-cell suppression off (the dashboards would show every count, down to a single patient, in breakdowns by a patient attribute): set "${SUPPRESSION_OFF_KEY}": true beside it to confirm that is intended, or use ${SUPPRESSION_OFF_BELOW} or more (default 11)`,
    });
  }
  if (!off && config.acknowledge_suppression_off) {
    ctx.addIssue({
      code: 'custom',
      path: [SUPPRESSION_OFF_KEY],
      message: `min_cell_size ${config.min_cell_size} keeps small-cell suppression on, so there is nothing to acknowledge: remove the key (it only confirms a min_cell_size of 1)`,
    });
  }
}

/** Runs the check when both keys it reads parsed, even if other keys did not, so every problem is listed at once. */
function bothKeysParsed(payload: z.core.ParsePayload): boolean {
  const value = payload.value as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (typeof value.min_cell_size !== 'number' || typeof value[SUPPRESSION_OFF_KEY] !== 'boolean') return false;
  return !payload.issues.some((issue) => issue.path?.[0] === 'min_cell_size' || issue.path?.[0] === SUPPRESSION_OFF_KEY);
}

/**
 * The outreach rules' thresholds (outreach_priorities and its int_outreach_*
 * rule models read them from config_thresholds). Today's values are the
 * defaults; rates and chances are fractions.
 */
const fraction = z.number().min(0).max(1);
const chance = z.number().positive().max(1);
const count = z.number().int().min(0);
const OUTREACH_DEFAULTS = {
  recent_days: 91,
  dormant: { min_referrals: 6, max_chance: 0.001 },
  declining: { min_baseline_referrals: 12, max_share_of_expected: 0.6, max_chance: 0.02 },
  coaching: { min_in_scope: 20, prior_strength: 20, min_rate_above_practice: 0.15 },
  growth: { min_peer_median: 6, max_referrals: 2, min_referring_peers: 5, confidence: 0.5 },
  lift: { window_weeks: 8, min_touches: 10, active_weeks: 52 },
  tiers: { a_min_visits: 24, b_min_visits: 6 },
  alerts: { min_baseline_referrals: 6, min_period_days: 14 },
};
const outreach = z
  .object({
    recent_days: windowDays.default(OUTREACH_DEFAULTS.recent_days),
    dormant: z
      .object({ min_referrals: z.number().int().min(2).default(OUTREACH_DEFAULTS.dormant.min_referrals), max_chance: chance.default(OUTREACH_DEFAULTS.dormant.max_chance) })
      .strict()
      .default(OUTREACH_DEFAULTS.dormant),
    declining: z
      .object({
        min_baseline_referrals: z.number().int().min(1).default(OUTREACH_DEFAULTS.declining.min_baseline_referrals),
        max_share_of_expected: fraction.default(OUTREACH_DEFAULTS.declining.max_share_of_expected),
        max_chance: chance.default(OUTREACH_DEFAULTS.declining.max_chance),
      })
      .strict()
      .default(OUTREACH_DEFAULTS.declining),
    coaching: z
      .object({
        min_in_scope: z.number().int().min(1).default(OUTREACH_DEFAULTS.coaching.min_in_scope),
        prior_strength: z.number().min(0).default(OUTREACH_DEFAULTS.coaching.prior_strength),
        min_rate_above_practice: fraction.default(OUTREACH_DEFAULTS.coaching.min_rate_above_practice),
      })
      .strict()
      .default(OUTREACH_DEFAULTS.coaching),
    growth: z
      .object({
        min_peer_median: z.number().positive().default(OUTREACH_DEFAULTS.growth.min_peer_median),
        max_referrals: count.default(OUTREACH_DEFAULTS.growth.max_referrals),
        min_referring_peers: z.number().int().min(1).default(OUTREACH_DEFAULTS.growth.min_referring_peers),
        confidence: fraction.default(OUTREACH_DEFAULTS.growth.confidence),
      })
      .strict()
      .superRefine((g, ctx) => {
        if (g.max_referrals >= g.min_peer_median) ctx.addIssue({ code: 'custom', path: ['max_referrals'], message: `must be below min_peer_median (${g.min_peer_median}): a prospect refers less than its peers` });
      })
      .default(OUTREACH_DEFAULTS.growth),
    lift: z
      .object({
        window_weeks: z.number().int().min(1).max(52).default(OUTREACH_DEFAULTS.lift.window_weeks),
        min_touches: z.number().int().min(2).default(OUTREACH_DEFAULTS.lift.min_touches),
        active_weeks: z.number().int().min(1).max(520).default(OUTREACH_DEFAULTS.lift.active_weeks),
      })
      .strict()
      .default(OUTREACH_DEFAULTS.lift),
    tiers: z
      .object({
        a_min_visits: z.number().int().min(1).default(OUTREACH_DEFAULTS.tiers.a_min_visits),
        b_min_visits: z.number().int().min(1).default(OUTREACH_DEFAULTS.tiers.b_min_visits),
      })
      .strict()
      .superRefine((t, ctx) => {
        if (t.b_min_visits >= t.a_min_visits) ctx.addIssue({ code: 'custom', path: ['b_min_visits'], message: `must be below a_min_visits (${t.a_min_visits}): tier A is the busiest` });
      })
      .default(OUTREACH_DEFAULTS.tiers),
    // The floors of the liaison alerts (liaison_alerts): a referrer with fewer baseline referrals, or a goal's period fewer days in, raises none.
    alerts: z
      .object({
        min_baseline_referrals: z.number().int().min(1).default(OUTREACH_DEFAULTS.alerts.min_baseline_referrals),
        min_period_days: z.number().int().min(1).max(366).default(OUTREACH_DEFAULTS.alerts.min_period_days),
      })
      .strict()
      .default(OUTREACH_DEFAULTS.alerts),
  })
  .strict()
  .default(OUTREACH_DEFAULTS);

/**
 * Buckets of a duration for the dashboards' distributions: each bucket holds
 * values from the previous bucket's `below` (inclusive; 0 for the first) up
 * to its own `below` (exclusive); the last has no `below` and holds the rest.
 */
const bucketList = z
  .array(z.object({ label: z.string().trim().min(1), below: z.number().positive().optional() }).strict())
  .min(1)
  .superRefine((list, ctx) => {
    list.forEach((b, i) => {
      const last = i === list.length - 1;
      if (last && b.below !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'below'], message: 'the last bucket holds everything above the others: leave out below' });
      if (!last && b.below === undefined) ctx.addIssue({ code: 'custom', path: [i, 'below'], message: 'every bucket but the last needs below (its exclusive upper edge)' });
      const previous = list[i - 1]?.below;
      if (b.below !== undefined && previous !== undefined && b.below <= previous) ctx.addIssue({ code: 'custom', path: [i, 'below'], message: `edges must rise: ${b.below} is not above ${previous}` });
    });
    if (new Set(list.map((b) => b.label)).size !== list.length) ctx.addIssue({ code: 'custom', message: 'bucket labels must be unique' });
  });
const BUCKET_DEFAULTS = {
  window_days: 182,
  hours_to_contact: [
    { label: '0–4 h', below: 4 },
    { label: '4–24 h', below: 24 },
    { label: '1–2 days', below: 48 },
    { label: '2–3 days', below: 72 },
    { label: '3–5 days', below: 120 },
    { label: 'over 5 days' },
  ],
  days_to_appointment: [
    { label: '0–7 days', below: 8 },
    { label: '8–14 days', below: 15 },
    { label: '15–30 days', below: 31 },
    { label: '31–60 days', below: 61 },
    { label: 'over 60 days' },
  ],
};
export const BUCKET_MEASURES = ['hours_to_contact', 'days_to_appointment'] as const;
const buckets = z
  .object({
    window_days: windowDays.default(BUCKET_DEFAULTS.window_days),
    hours_to_contact: bucketList.default(BUCKET_DEFAULTS.hours_to_contact),
    days_to_appointment: bucketList.default(BUCKET_DEFAULTS.days_to_appointment),
  })
  .strict()
  .default(BUCKET_DEFAULTS);

/** The capacity forecast's rates (booking rate, show rate) are measured on referrals received between these many days before as_of. */
const FORECAST_DEFAULTS = { rates_from_days: 365, rates_to_days: 90 };
const forecast = z
  .object({ rates_from_days: windowDays.default(FORECAST_DEFAULTS.rates_from_days), rates_to_days: z.number().int().min(0).max(3660).default(FORECAST_DEFAULTS.rates_to_days) })
  .strict()
  .superRefine((f, ctx) => {
    if (f.rates_to_days >= f.rates_from_days) ctx.addIssue({ code: 'custom', path: ['rates_to_days'], message: `must be below rates_from_days (${f.rates_from_days}): the window runs from rates_from_days ago to rates_to_days ago` });
  })
  .default(FORECAST_DEFAULTS);

/** funnel_cohort's matured cohort: referrals received from from_days to to_days before as_of, both days included. */
const FUNNEL_COHORT_DEFAULTS = { from_days: 120, to_days: 30 };
const funnelCohort = z
  .object({ from_days: windowDays.default(FUNNEL_COHORT_DEFAULTS.from_days), to_days: z.number().int().min(0).max(3660).default(FUNNEL_COHORT_DEFAULTS.to_days) })
  .strict()
  .superRefine((f, ctx) => {
    if (f.to_days >= f.from_days) ctx.addIssue({ code: 'custom', path: ['to_days'], message: `must be below from_days (${f.from_days}): the cohort runs from from_days ago to to_days ago` });
  })
  .default(FUNNEL_COHORT_DEFAULTS);

const DOCUMENT_GAPS_DEFAULTS = { min_source_referrals: 20 };
const documentGaps = z.object({ min_source_referrals: z.number().int().min(1).default(DOCUMENT_GAPS_DEFAULTS.min_source_referrals) }).strict().default(DOCUMENT_GAPS_DEFAULTS);

/**
 * The practice's own targets for three weekly numbers (each optional): drawn
 * as lines on the This week charts and judged on the cards (config_targets).
 */
const targets = z
  .object({
    contact_sla_met_rate: fraction.optional(),
    days_to_first_appointment: z.number().positive().max(3660).optional(),
    loop_closure_rate: fraction.optional(),
  })
  .strict()
  .default({});

/**
 * Each liaison's goals for their panel (the referrers the directory assigns
 * them): referrals and completed visits per month, quarter or year, each
 * optional. liaison_panels paces the period so far against them.
 */
const goalCounts = z.object({ month: z.number().positive().optional(), quarter: z.number().positive().optional(), year: z.number().positive().optional() }).strict();
const liaisons = z
  .record(z.string().trim().min(1), z.object({ goals: z.object({ referrals: goalCounts.optional(), visits: goalCounts.optional() }).strict().default({}) }).strict())
  .default({});

/** How referring offices reach our intake team: printed on every referrer statement (all optional). */
const contactText = z.string().trim().min(1).max(200);
const intake = z
  .object({ practice: contactText.optional(), phone: contactText.optional(), fax: contactText.optional(), email: contactText.optional(), hours: contactText.optional() })
  .strict()
  .default({});

/**
 * Where the site links each office's latest referrer statement: the folder
 * holding data/statements/<period>/, as seen from the site's pages (a path
 * relative to them, or a file-share or intranet address).
 */
const STATEMENTS_DEFAULTS = { link_base: '../data/statements' };
const statements = z.object({ link_base: z.string().trim().min(1).max(500).default(STATEMENTS_DEFAULTS.link_base) }).strict().default(STATEMENTS_DEFAULTS);

export const configSchema = z
  .object({
    timezone: ianaTimezone,
    practice_id: practiceId,
    min_cell_size: z.number().int().min(1).default(11),
    [SUPPRESSION_OFF_KEY]: z.boolean().default(false),
    match_window_days: windowDays.default(120),
    leakage_window_days: windowDays.default(90),
    source_window_days: windowDays.default(365),
    contact_sla_hours: slaHours.default({ stat: 4, urgent: 24, routine: 72 }),
    service_lines: z
      .array(serviceLine)
      .min(1)
      .refine((lines) => new Set(lines.map((l) => l.id)).size === lines.length, {
        message: 'service line ids must be unique',
      }),
    feeds: feeds.default({}),
    sources: z
      .array(source)
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, { message: 'source names must be unique' })
      .optional(),
    schedule: z
      .object({ ingest: cronExpression.default('15 * * * *'), publish: cronExpression.default('0 6 * * 1') })
      .strict()
      .default({ ingest: '15 * * * *', publish: '0 6 * * 1' }),
    outreach,
    buckets,
    forecast,
    document_gaps: documentGaps,
    funnel_cohort: funnelCohort,
    targets,
    intake,
    liaisons,
    statements,
  })
  .strict()
  .superRefine(checkSuppressionAcknowledged, { when: bothKeysParsed });

export type RefloopConfig = z.output<typeof configSchema>;
export type ServiceLineConfig = RefloopConfig['service_lines'][number];
export type { FeedConfig };
export type SourceConfig = z.output<typeof source>;
export type Urgency = (typeof URGENCIES)[number];
export type ReferralType = (typeof REFERRAL_TYPES)[number];
export { URGENCIES, REFERRAL_TYPES };
