// What a source adapter is: code that reads one delivery of a system's own
// export (Epic EHI tables, a FHIR bulk export, the NPPES file) and turns each
// of its raw rows into canonical rows (extracts.md), or says why it yields
// none. Everything after that is the canonical path: validation, quarantine,
// pseudonymization and the upsert by key, exactly as for canonical files.
//
// An adapter never writes to the warehouse and never logs a value: it calls
// `output` once or more for every raw row it reads, and the ingest checks
// that every row of every raw file was emitted, skipped by a named rule, or
// quarantined (rows_read = rows_emitted + rows_skipped + rows_quarantined).
import type { RefloopConfig, SourceConfig } from '../config/schema.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

/** The canonical extract kinds an adapter can emit (extracts.md). */
export type CanonicalKind = 'referrals' | 'referral_events' | 'appointments' | 'visits' | 'providers' | 'capacity' | 'liaison_activities';

/**
 * One canonical row: contract column name → value as text in a format the
 * canonical contract reads (timestamps `YYYY-MM-DD HH:MM:SS` for the
 * practice's wall-clock time, or ISO with `Z` / `±HH:MM` for an instant;
 * dates `YYYY-MM-DD`; lists joined by `;`). null, undefined and '' are null.
 * A column the contract does not have is a programming error.
 */
export type CanonicalRow = Record<string, string | null | undefined>;

/**
 * Where a raw row is: its file (path relative to the delivery folder, `/`
 * separated) and its physical line (the header is line 1; in NDJSON the
 * resource's line; in a JSON file the line where the resource starts).
 */
export interface Origin {
  file: string;
  line: number;
}

export interface DeliveryFile {
  /** Path relative to the delivery folder, `/` separated: `REFERRAL.tsv`. */
  name: string;
  /** Absolute path to read. */
  path: string;
  sizeBytes: number;
}

/** One delivery: the files of one sub-folder of a source's path, read together. */
export interface Delivery {
  /** The sub-folder's name (or, for files directly in the path, the newest file's name). */
  name: string;
  dir: string;
  /** In order of name. */
  files: DeliveryFile[];
}

export interface AdapterOutput {
  /** A canonical row and the raw row it came from. A raw row may emit several (a visit and its appointment). */
  emit(kind: CanonicalKind, row: CanonicalRow, origin: Origin): void;
  /**
   * A raw row that yields no canonical row, and the rule that says why:
   * 'lookup' (a table read only to resolve others, such as CLARITY_DEP or
   * Patient), 'not a funnel event', 'entered-in-error', 'waitlist', …
   * Stable words: they are what status and the data-health page count.
   */
  skip(origin: Origin, rule: string): void;
  /** `count` rows of `file` skipped by one rule at once (a filter applied in bulk). */
  skipMany(file: string, rule: string, count: number): void;
  /**
   * A raw row whose facts went into a canonical row emitted for another raw
   * row (a Slot counted in a week's capacity, a Communication that closes a
   * visit's loop): it counts as loaded when that row loads, as quarantined
   * when every row emitted for `to` was quarantined.
   */
  contributed?(origin: Origin, to: Origin): void;
  /** A raw row that cannot be read at all (not JSON, wrong number of fields): quarantined. The reason holds no raw value. */
  quarantine(origin: Origin, reason: string, column?: string): void;
  /** How many data rows (records, resources) `file` holds: called once per raw file the adapter reads. */
  read(file: string, rows: number): void;
  /** A value the adapter mapped by a fallback ("urgency 'Elective' is not in the map: routine"), counted per file, column and reason. No PHI in reason. */
  issue(file: string, column: string, reason: string): void;
  /** For long reads: what is being done, and how far (0–1) when known. */
  progress(stage: string, fraction?: number): void;
  /** Present when part of a delivery may be read in a worker thread (parallel.ts); absent, the adapter reads it all in this thread. */
  parallel?: ParallelOutput;
}

/**
 * How a worker thread writes part of a delivery's output: into a private
 * folder of its own (`partDir`), through an emitter of its own; what that
 * emitter wrote and counted is then handed to `adopt`, as if emitted here,
 * after the rows this thread emitted of each kind.
 */
export interface ParallelOutput {
  /**
   * A new private sub-folder of the output's own (readable by this user
   * only, removed with it), and the prefix of raw file names: for a
   * worker's canonical files, or anything of the raw rows a read must keep
   * meanwhile (removed with the job's work folder).
   */
  partDir(): { dir: string; prefix: string };
  /** Takes in what an emitter of `partDir` wrote and counted (CanonicalEmitter.part). */
  adopt(part: unknown): void;
}

/** What an adapter reads with; a worker thread has this much (no warehouse). */
export interface ReadingContext {
  config: RefloopConfig;
  source: SourceConfig;
  /** The practice's IANA zone: the wall-clock zone of local times. */
  timezone: string;
  /**
   * The configured service line a source value means (its id, name or one of
   * its aliases, compared case-insensitively after trimming), or undefined.
   */
  serviceLineOf(value: string | null | undefined): string | undefined;
  /** A value map: the adapter's default merged with the source's `maps` from the config (config entries win). */
  map(name: string): ValueMap;
}

export interface AdapterContext extends ReadingContext {
  /** The warehouse, read-only use: for adapters that filter against what is loaded (NPPES keeps referrers only). */
  warehouse: Warehouse;
}

/** Source value (matched case-insensitively after trimming) → canonical value. */
export interface ValueMap {
  get(value: string | null | undefined): string | undefined;
  /** The map's entries as configured, for `refloop map` and `init`. */
  readonly entries: Readonly<Record<string, string>>;
}

export interface SourceAdapter {
  name: 'epic-ehi' | 'fhir-r4' | 'nppes';
  /**
   * The value maps the adapter applies unless the config overrides them, by
   * map name (e.g. `referral_status`, `appointment_status`, `urgency`):
   * `refloop init --profile NAME` writes them out for the practice to edit.
   */
  defaultMaps: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** For maps whose values are a closed set: the values a config's map may give (checked when the config loads). */
  mapTargets?: Readonly<Record<string, readonly string[]>>;
  /** The files of a delivery this adapter reads (others are listed as ignored, with the reason). */
  accepts(file: DeliveryFile): boolean;
  /**
   * Reads one delivery, calling `output` for every raw row. Throws only when
   * the delivery as a whole cannot be read; it is then refused and left in
   * place, and nothing of it is loaded.
   */
  read(delivery: Delivery, context: AdapterContext, output: AdapterOutput): Promise<void>;
}
