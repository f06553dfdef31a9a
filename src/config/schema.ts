// The practice's config file (spec: config.md), as a zod schema. Every key but
// `timezone` and `service_lines` has the default config.md shows.
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';

const URGENCIES = ['stat', 'urgent', 'routine'] as const;
const REFERRAL_TYPES = ['consult', 'diagnostic', 'post_discharge'] as const;
export const EXTRACT_KINDS = [
  'referrals',
  'referral_events',
  'appointments',
  'visits',
  'providers',
  'capacity',
] as const;

const positiveHours = z.number().positive();
const slaHours = z.object({ stat: positiveHours, urgent: positiveHours, routine: positiveHours }).strict();
const slaOverride = z
  .object({ stat: positiveHours.optional(), urgent: positiveHours.optional(), routine: positiveHours.optional() })
  .strict();

const ianaTimezone = z.string().refine(isIanaTimezone, { message: 'not an IANA time zone name (e.g. America/New_York)' });
const cronExpression = z.string().refine((s) => isValidCron(s), { message: 'not a valid cron expression' });

const documentType = z.string().trim().min(1).toLowerCase();

const serviceLine = z
  .object({
    id: z.string().trim().min(1).toLowerCase(),
    name: z.string().min(1),
    required_documents: z.partialRecord(z.enum(REFERRAL_TYPES), z.array(documentType)).default({}),
    contact_sla_hours: slaOverride.default({}),
  })
  .strict();

/** When a feed counts as stale in `refloop status`: hours since its latest file was loaded. */
const freshness = z
  .object({ warn_hours: z.number().positive(), error_hours: z.number().positive() })
  .strict()
  .refine((f) => f.error_hours >= f.warn_hours, { message: 'error_hours must be at least warn_hours' });

const feed = z
  .object({
    columns: z.record(z.string(), z.string()).default({}),
    timestamp_format: z.string().min(1).optional(),
    date_format: z.string().min(1).optional(),
    freshness: freshness.optional(),
  })
  .strict();

/** Defaults where a feed sets no freshness: daily feeds two and four days; the directory and capacity five and ten weeks. */
export const DEFAULT_FRESHNESS: Record<(typeof EXTRACT_KINDS)[number], { warn_hours: number; error_hours: number }> = {
  referrals: { warn_hours: 48, error_hours: 96 },
  referral_events: { warn_hours: 48, error_hours: 96 },
  appointments: { warn_hours: 48, error_hours: 96 },
  visits: { warn_hours: 48, error_hours: 96 },
  providers: { warn_hours: 24 * 35, error_hours: 24 * 70 },
  capacity: { warn_hours: 24 * 35, error_hours: 24 * 70 },
};

export const configSchema = z
  .object({
    timezone: ianaTimezone,
    min_cell_size: z.number().int().min(1).default(11),
    match_window_days: z.number().int().positive().default(120),
    leakage_window_days: z.number().int().positive().default(90),
    source_window_days: z.number().int().positive().default(365),
    contact_sla_hours: slaHours.default({ stat: 4, urgent: 24, routine: 72 }),
    service_lines: z
      .array(serviceLine)
      .min(1)
      .refine((lines) => new Set(lines.map((l) => l.id)).size === lines.length, {
        message: 'service line ids must be unique',
      }),
    feeds: z.partialRecord(z.enum(EXTRACT_KINDS), feed).default({}),
    schedule: z
      .object({ ingest: cronExpression.default('15 * * * *'), publish: cronExpression.default('0 6 * * 1') })
      .strict()
      .default({ ingest: '15 * * * *', publish: '0 6 * * 1' }),
  })
  .strict();

export type RefloopConfig = z.output<typeof configSchema>;
export type ServiceLineConfig = RefloopConfig['service_lines'][number];
export type FeedConfig = z.output<typeof feed>;
export type Urgency = (typeof URGENCIES)[number];
export type ReferralType = (typeof REFERRAL_TYPES)[number];
export { URGENCIES, REFERRAL_TYPES };

function isIanaTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.includes('/') || name === 'UTC';
  } catch {
    return false;
  }
}
