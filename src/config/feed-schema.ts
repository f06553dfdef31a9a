// The feed mapping: how a vendor report (one file per canonical kind, in the
// vendor's own shape) becomes canonical rows, without glue code. Every option
// is checked when the config loads, against the contract of the feed's kind:
// an unknown canonical column, a strptime format DuckDB cannot read, a value
// map onto a value outside an enum are config errors naming the JSON path.
import { z } from 'zod';
import { contractOf } from '../contracts/extracts.ts';
import type { ColumnContract } from '../contracts/types.ts';

export const ENCODINGS = ['utf-8', 'utf-16', 'windows-1252', 'latin-1', 'auto'] as const;
export const FORMATS = ['csv', 'tsv', 'xlsx', 'ndjson'] as const;
/** A column's zone: where its wall-clock times were written. 'practice' is the config's timezone. */
const zone = z.string().refine((name) => name === 'practice' || isIanaZone(name), { message: 'not "practice", "UTC" or an IANA time zone name' });

/**
 * strptime codes DuckDB reads. A format with any other `%` code is refused at
 * load time: DuckDB would refuse every file of the feed on every run.
 */
const STRPTIME_CODES = new Set(['a', 'A', 'w', 'u', 'd', '-d', 'b', 'B', 'h', 'm', '-m', 'y', '-y', 'Y', 'H', '-H', 'I', '-I', 'p', 'M', '-M', 'S', '-S', 'f', 'g', 'n', 'z', 'Z', 'j', '-j', 'U', 'W', 'V', 'G', 'c', 'x', 'X', 'T', 'D', 'F', 'R', 'e', '%']);

export function strptimeProblem(format: string): string | undefined {
  if (format === 'iso') return undefined;
  const codes = [...format.matchAll(/%(-?.)/g)].map((m) => m[1]!);
  if (codes.length === 0) return `"${format}" has no % code (use "iso" for the contract's own format)`;
  const bad = codes.find((code) => !STRPTIME_CODES.has(code));
  return bad ? `"${format}": %${bad} is not a strptime code DuckDB reads` : undefined;
}

const strptimeFormat = z.string().min(1).superRefine((format, ctx) => {
  const problem = strptimeProblem(format);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const sourceColumn = z.string().trim().min(1);

/** How one canonical column is made from the source row. A bare string is `{ column }`. */
const columnSpec = z
  .object({
    /** A source column (matched case-insensitively after trimming). */
    column: sourceColumn.optional(),
    /** The first non-empty of these source columns. */
    first_of: z.array(sourceColumn).min(1).optional(),
    /** These source columns joined (empty ones left out), e.g. first and last name. */
    join: z.array(sourceColumn).min(1).optional(),
    separator: z.string().default(' '),
    /** The same value on every row. */
    value: z.string().optional(),
    /** Source value → canonical value, many to one, matched case-insensitively after trimming. */
    values: z.record(z.string(), z.string()).optional(),
    /** What a value not in `values` becomes: a canonical value; or 'keep' (as written, the contract then judges it), 'null', 'quarantine' (required columns only). */
    unmapped: z.string().optional(),
    /** Timestamp and date columns: strptime formats tried in order; "iso" is the contract's own format. */
    formats: z.array(strptimeFormat).min(1).optional(),
    /** Timestamp columns: the zone the wall-clock times are written in (a format with %z carries its own offset). */
    timezone: zone.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const ways = ['column', 'first_of', 'join', 'value'].filter((k) => spec[k as keyof typeof spec] !== undefined);
    if (ways.length !== 1) ctx.addIssue({ code: 'custom', message: `give exactly one of column, first_of, join or value (found ${ways.length ? ways.join(', ') : 'none'})` });
  });

export type ColumnSpec = z.output<typeof columnSpec>;

const filter = z
  .object({
    /** A name for the rule, counted with the rows it skips (default: a description of it). */
    name: z.string().trim().min(1).optional(),
    column: sourceColumn,
    /** Keep rows whose value is one of these (case-insensitive). */
    in: z.array(z.string()).min(1).optional(),
    /** Keep rows whose value is none of these (case-insensitive); an empty value is kept. */
    not_in: z.array(z.string()).min(1).optional(),
    /** true: keep rows where the column has a value; false: keep rows where it is empty. */
    present: z.boolean().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const tests = ['in', 'not_in', 'present'].filter((k) => f[k as keyof typeof f] !== undefined);
    if (tests.length !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of in, not_in or present' });
  });

export type FilterSpec = z.output<typeof filter>;

/**
 * When a feed counts as late (warn) or stale (error): by the hours since its
 * latest file arrived, and by the hours since its newest record (feed_freshness;
 * data_* default to the kind's, which allow a weekend without visits).
 */
const freshness = z
  .object({
    warn_hours: z.number().positive().max(24 * 366),
    error_hours: z.number().positive().max(24 * 366 * 2),
    data_warn_hours: z.number().positive().max(24 * 366).optional(),
    data_error_hours: z.number().positive().max(24 * 366 * 2).optional(),
  })
  .strict()
  .refine((f) => f.error_hours >= f.warn_hours, { message: 'error_hours must be at least warn_hours' })
  .refine((f) => (f.data_warn_hours === undefined) === (f.data_error_hours === undefined), { message: 'give data_warn_hours and data_error_hours together' })
  .refine((f) => f.data_warn_hours === undefined || f.data_error_hours === undefined || f.data_error_hours >= f.data_warn_hours, {
    message: 'data_error_hours must be at least data_warn_hours',
  });

const feedShape = z
  .object({
    /** File name patterns (`*`, `?`), matched case-insensitively; default: names starting with the kind and `_` or `.`. */
    files: z.array(z.string().min(1)).min(1).optional(),
    /** Default: from the file's extension (.csv, .tsv, .txt, .xlsx, .ndjson, any of them .gz). */
    format: z.enum(FORMATS).optional(),
    delimiter: z.enum([',', '\t', '|', ';']).optional(),
    encoding: z.enum(ENCODINGS).default('utf-8'),
    /** Lines before the header (a title, a report date). */
    skip_lines: z.number().int().min(0).max(1000).default(0),
    /** .xlsx: the sheet to read (default the first). */
    sheet: z.string().min(1).optional(),
    /** Renames, source header → canonical column (two sources onto one column: the first non-empty, in this order). */
    columns: z.record(z.string(), z.string()).default({}),
    /** Canonical column → how it is made: a source column name, or a column spec. */
    map: z.record(z.string(), z.union([sourceColumn, columnSpec])).default({}),
    /** Rows kept only when every filter passes; a skipped row is counted under its filter's name. */
    filters: z.array(filter).default([]),
    /** The feed's default timestamp / date format for every column without `formats`. */
    timestamp_format: strptimeFormat.optional(),
    date_format: strptimeFormat.optional(),
    /** The feed's default zone for timestamps. */
    timezone: zone.optional(),
    freshness: freshness.optional(),
  })
  .strict();

export type FeedConfig = z.output<typeof feedShape>;

/** A feed for one kind, checked against that kind's contract. */
export function feedFor(kind: string) {
  return feedShape.superRefine((feed, ctx) => {
    const contract = contractOf(kind);
    const byName = new Map(contract.columns.map((c) => [c.name, c]));
    for (const [from, to] of Object.entries(feed.columns)) {
      if (!byName.has(to.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['columns', from], message: `${to} is not a column of ${kind} (${contract.columns.map((c) => c.name).join(', ')})` });
    }
    for (const [name, raw] of Object.entries(feed.map)) {
      const column = byName.get(name);
      if (!column) {
        ctx.addIssue({ code: 'custom', path: ['map', name], message: `not a column of ${kind} (${contract.columns.map((c) => c.name).join(', ')})` });
        continue;
      }
      if (typeof raw === 'string') continue;
      for (const problem of specProblems(column, raw)) ctx.addIssue({ code: 'custom', path: ['map', name, ...problem.path], message: problem.message });
    }
  });
}

function specProblems(column: ColumnContract, spec: ColumnSpec): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  const kind = column.type.kind;
  if (spec.formats && kind !== 'timestamp' && kind !== 'date') problems.push({ path: ['formats'], message: `${column.name} is not a timestamp or date column` });
  if (spec.timezone && kind !== 'timestamp') problems.push({ path: ['timezone'], message: `${column.name} is not a timestamp column` });
  if (spec.unmapped !== undefined && !spec.values) problems.push({ path: ['unmapped'], message: 'unmapped needs values' });
  if (spec.unmapped === 'quarantine' && !column.required) {
    problems.push({ path: ['unmapped'], message: `${column.name} is optional: an unmapped value loads as null and is counted; "quarantine" is for required columns` });
  }
  if (column.type.kind === 'enum') {
    const allowed = column.type.values.map((v) => v.toLowerCase());
    const inEnum = (v: string) => allowed.includes(v.toLowerCase());
    for (const [from, to] of Object.entries(spec.values ?? {})) {
      if (!inEnum(to)) problems.push({ path: ['values', from], message: `${to} is not one of ${column.type.values.join(', ')}` });
    }
    if (spec.unmapped !== undefined && !['keep', 'null', 'quarantine'].includes(spec.unmapped) && !inEnum(spec.unmapped)) {
      problems.push({ path: ['unmapped'], message: `${spec.unmapped} is not one of ${column.type.values.join(', ')} (or keep, null, quarantine)` });
    }
    if (spec.value !== undefined && !inEnum(spec.value)) problems.push({ path: ['value'], message: `${spec.value} is not one of ${column.type.values.join(', ')}` });
  }
  return problems;
}

/** A feed's canonical columns as specs: `map` entries, then `columns` renames (several onto one column: the first non-empty). */
export function columnSpecs(feed: FeedConfig | undefined): Map<string, ColumnSpec> {
  const specs = new Map<string, ColumnSpec>();
  const renamed = new Map<string, string[]>();
  for (const [from, to] of Object.entries(feed?.columns ?? {})) {
    const target = to.toLowerCase();
    renamed.set(target, [...(renamed.get(target) ?? []), from]);
  }
  for (const [to, froms] of renamed) specs.set(to, froms.length === 1 ? { column: froms[0]!, separator: ' ' } : { first_of: froms, separator: ' ' });
  for (const [to, raw] of Object.entries(feed?.map ?? {})) specs.set(to, typeof raw === 'string' ? { column: raw, separator: ' ' } : raw);
  return specs;
}

export function filterName(filter: FilterSpec): string {
  if (filter.name) return filter.name;
  if (filter.in) return `filter: ${filter.column} in (${filter.in.join(', ')})`;
  if (filter.not_in) return `filter: ${filter.column} not in (${filter.not_in.join(', ')})`;
  return `filter: ${filter.column} ${filter.present ? 'present' : 'empty'}`;
}

export function isIanaZone(name: string): boolean {
  if (!name.includes('/') && name !== 'UTC') return false;
  // Most names are in Intl's list of zones (3 ms to read); the first
  // DateTimeFormat given a zone costs 25 ms of every command's start (ICU
  // loads its zone data), so only names not listed (UTC, newer aliases) make one.
  knownZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (knownZones.has(name)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

let knownZones: Set<string> | undefined;
