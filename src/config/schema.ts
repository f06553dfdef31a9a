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

export const configSchema = z
  .object({
    timezone: ianaTimezone,
    min_cell_size: z.number().int().min(1).default(11),
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
  .strict();

export type RefloopConfig = z.output<typeof configSchema>;
export type ServiceLineConfig = RefloopConfig['service_lines'][number];
export type { FeedConfig };
export type SourceConfig = z.output<typeof source>;
export type Urgency = (typeof URGENCIES)[number];
export type ReferralType = (typeof REFERRAL_TYPES)[number];
export { URGENCIES, REFERRAL_TYPES };
