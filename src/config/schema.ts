// The practice's config file (spec: config.md), as a zod schema. Every key but
// `timezone` and `service_lines` has the default config.md shows.
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { feedFor, type FeedConfig, isIanaZone } from './feed-schema.ts';

const URGENCIES = ['stat', 'urgent', 'routine'] as const;
const REFERRAL_TYPES = ['consult', 'diagnostic', 'post_discharge'] as const;
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

/** Defaults where a feed sets no freshness: daily feeds two and four days; the directory and capacity five and ten weeks. */
export const DEFAULT_FRESHNESS: Record<(typeof EXTRACT_KINDS)[number], { warn_hours: number; error_hours: number }> = {
  referrals: { warn_hours: 48, error_hours: 96 },
  referral_events: { warn_hours: 48, error_hours: 96 },
  appointments: { warn_hours: 48, error_hours: 96 },
  visits: { warn_hours: 48, error_hours: 96 },
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

export const configSchema = z
  .object({
    timezone: ianaTimezone,
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
