// Everything about one extract file that can be settled before DuckDB reads it:
// whether it is new (name, size and mtime; then the hash of its bytes), how
// many records it holds and where each starts, whether its header meets the
// contract, and whether some records must be set aside in a repaired copy
// (broken quoting, a record too long, extra empty fields, a stray CR). A file
// that passes is ready to be read in a batch with the others of its kind
// (load-batch.ts).
import { basename } from 'node:path';
import type { FeedConfig } from '../config/feed-schema.ts';
import { contractOf } from '../contracts/extracts.ts';
import type { ExtractContract } from '../contracts/types.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { convertForReading, type FileFormat } from './convert.ts';
import type { InboxFile } from './discover.ts';
import { type FileKind, fileFormat } from './file-kinds.ts';
import { readFirstLine } from './first-line.ts';
import { appliedOrder } from './applied-order.ts';
import { HeaderError, type HeaderMapping, mapHeader } from './header.ts';
import type { QuarantineRow } from './quarantine.ts';
import { headerProblem, INGEST_SCAN, needsRepair, repairRecords } from './quoting-repair.ts';
import { phase } from './profile.ts';
import { scanFile, type ScanResult } from './record-scanner.ts';
import type { ReadOptions } from './staging-sql.ts';

/** Where a file's rows come from, stamped on every row it lands (landing.ts LINEAGE_COLUMNS). */
export interface Lineage {
  source: string;
  delivery: string;
  /** Which copy of a key is current: the greatest wins (delivery name, then source position). */
  appliedOrder: string;
}

export interface PrepareRequest {
  path: string;
  /** The file's name for people and for the warehouse: its path relative to the inbox. */
  file: string;
  contract: ExtractContract;
  feed: FeedConfig | undefined;
  format: FileFormat;
  sizeBytes: number;
  modifiedMs: number;
  lineage: Lineage;
  /** The private folder for copies (work-dir.ts). */
  workDir: string;
  /** An adapter's canonical output: its rows name their raw origin, and it gets no ingested_files row of its own. */
  internal?: boolean;
  /** Source values that name each service line (config ids, names and aliases). */
  serviceLines: readonly { value: string; id: string }[];
  onProgress?: (stage: string, fraction?: number) => void;
}

export type FileOutcome =
  | {
      status: 'loaded';
      file: string;
      kind: string;
      rowsRead: number;
      rowsLoaded: number;
      rowsQuarantined: number;
      rowsSkipped: number;
      skippedByRule: Map<string, number>;
    }
  | { status: 'already_loaded'; file: string; kind: string; sameAs: string }
  | { status: 'refused'; file: string; kind: string; reason: string };

export interface ReadyFile {
  file: string;
  contract: ExtractContract;
  feed: FeedConfig | undefined;
  header: HeaderMapping;
  sha256: string;
  sizeBytes: number;
  modifiedMs: number;
  lineage: Lineage;
  internal: boolean;
  /** What DuckDB reads: the inbox file, or a private copy (repaired, transcoded, converted). */
  readPath: string;
  read: ReadOptions;
  /** Line maps of what DuckDB reads, pointing at the inbox file's physical lines. */
  lines: ScanResult;
  /** Records set aside before DuckDB reads the file (see quoting-repair.ts; a spreadsheet row or JSON line that is no record). */
  repairQuarantined: QuarantineRow[];
  /** Files that share it can be read by one read_csv: same kind, header, delimiter, compression and text checks. */
  layout: string;
  cleanup: () => Promise<void>;
}

/**
 * The files the warehouse holds, read once per run, and the content hashes
 * this run has taken but not committed yet, so the same bytes under two names
 * in one inbox load once.
 */
export class KnownFiles {
  private readonly claimed = new Set<string>();

  private constructor(
    private readonly stamps: Set<string>,
    private readonly holders: Map<string, string>,
  ) {}

  static async read(warehouse: Warehouse): Promise<KnownFiles> {
    const rows = await warehouse.query<{ file: string; kind: string; sha256: string; size_bytes: number | null; modified_ms: number | null }>(
      'SELECT file, kind, sha256, size_bytes, modified_ms FROM ingested_files WHERE delivery_sha256 IS NULL',
    );
    return new KnownFiles(
      new Set(rows.map((r) => KnownFiles.stamp(r.file, r.kind, Number(r.size_bytes), Number(r.modified_ms)))),
      new Map(rows.map((r) => [`${r.kind}\u0000${r.sha256}`, r.file])),
    );
  }

  private static stamp(file: string, kind: string, size: number, modifiedMs: number): string {
    return `${file}\u0000${kind}\u0000${size}\u0000${modifiedMs}`;
  }

  /** Loaded before as this kind under this name, size and modification time. */
  isUnchanged(file: string, kind: string, size: number, modifiedMs: number): boolean {
    return this.stamps.has(KnownFiles.stamp(file, kind, size, modifiedMs));
  }

  /**
   * The file whose content has this hash as this kind, loaded or taken by
   * this run. The same bytes may be two kinds (one encounter export read as
   * appointments and as visits): each loads once.
   */
  holderOf(kind: string, sha256: string): string | undefined {
    return this.holders.get(`${kind}\u0000${sha256}`);
  }

  claim(kind: string, sha256: string, file: string): void {
    this.holders.set(`${kind}\u0000${sha256}`, file);
    this.claimed.add(`${kind}\u0000${file}`);
  }

  /** Taken by this run (loading, loaded or failed) as this kind, rather than loaded before it. */
  isThisRun(kind: string, file: string): boolean {
    return this.claimed.has(`${kind}\u0000${file}`);
  }

  /** A batch that failed wrote nothing: its hashes are free again. */
  release(kind: string, sha256: string): void {
    this.holders.delete(`${kind}\u0000${sha256}`);
  }
}

export async function prepareFile(request: PrepareRequest, known: KnownFiles): Promise<FileOutcome | { status: 'ready'; ready: ReadyFile }> {
  const file = request.file;
  const kind = request.contract.kind;
  // A file already loaded under this name, size and modification time is not
  // read again: an unchanged inbox costs nothing, and a day's run reads only
  // the day's files. Changed or renamed content is still caught by its hash.
  if (!request.internal && known.isUnchanged(file, kind, request.sizeBytes, request.modifiedMs)) return { status: 'already_loaded', file, kind, sameAs: file };
  const converted = await phase('scan: convert or transcode', () => convertForReading(request));
  let ready: ReadyFile | undefined;
  try {
    let scannedBytes = 0;
    const scan = await phase('scan: count records, sha256', () => scanFile(
      converted.readPath,
      (n) => {
        scannedBytes += n;
        request.onProgress?.('counting records', scannedBytes / Math.max(1, request.sizeBytes));
      },
      converted.delimiter,
      INGEST_SCAN,
    ));
    const sha256 = converted.sha256 ?? scan.sha256;
    const sameAs = request.internal ? undefined : known.holderOf(kind, sha256);
    if (sameAs) return { status: 'already_loaded', file, kind, sameAs };
    if (scan.invalidUtf8 && !converted.replacementChars) {
      // Bytes that are not UTF-8: read a copy with U+FFFD in their place, so
      // each bad value is a problem of its own column, not of its record.
      await converted.cleanup();
      return prepareFile({ ...request, feed: request.feed, format: { ...request.format, encoding: 'utf-8-replace' } }, known);
    }

    if (scan.mixedLineEnds) {
      const { line, first, then } = scan.mixedLineEnds;
      return { status: 'refused', file, kind, reason: `line ${line} ends with ${then} but earlier lines end with ${first}; a file must use one line end throughout` };
    }
    const unreadableHeader = headerProblem(scan);
    if (unreadableHeader) return { status: 'refused', file, kind, reason: `its header row ${unreadableHeader}` };
    let header: HeaderMapping;
    try {
      header = mapHeader(scan.header, request.contract, request.feed, converted.delimiter);
    } catch (error) {
      if (error instanceof HeaderError) return { status: 'refused', file, kind, reason: error.message };
      throw error;
    }

    const repair = needsRepair(scan)
      ? await phase('scan: repair copy', () => repairRecords(converted.readPath, scan, request.workDir, { delimiter: converted.delimiter, fieldNames: header.fieldNames }))
      : undefined;
    const readPath = repair?.path ?? converted.readPath;
    const gzip = /\.gz$/i.test(readPath);
    const read: ReadOptions = { delimiter: converted.delimiter, gzip, replacementChars: converted.replacementChars, serviceLines: request.serviceLines };
    ready = {
      file,
      contract: request.contract,
      feed: request.feed,
      header,
      sha256,
      sizeBytes: request.sizeBytes,
      modifiedMs: request.modifiedMs,
      lineage: request.lineage,
      internal: Boolean(request.internal),
      readPath,
      read,
      lines: repair?.scan ?? scan,
      repairQuarantined: [...converted.quarantined, ...(repair?.quarantined ?? [])],
      layout: [kind, gzip ? 'gzip' : 'plain', read.delimiter, read.replacementChars ? 'fffd' : 'text', JSON.stringify(request.feed ?? {}), ...header.sourceNames].join('\u0000'),
      cleanup: async () => {
        await repair?.cleanup();
        await converted.cleanup();
      },
    };
    return { status: 'ready', ready };
  } finally {
    if (!ready) await converted.cleanup();
  }
}

/** What prepareFile needs for one file of a csv source read as one kind: the ingest and `refloop map` read files alike. */
export async function inboxFileRequest(
  file: InboxFile,
  kind: FileKind,
  options: { workDir: string; serviceLines: PrepareRequest['serviceLines']; onProgress?: PrepareRequest['onProgress'] },
): Promise<PrepareRequest> {
  const sniffed = /\.txt(\.gz)?$/i.test(file.file) ? await readFirstLine(file.path, kind.feed?.skip_lines ?? 0) : undefined;
  return {
    path: file.path,
    file: file.file,
    contract: kind.contract,
    feed: kind.feed,
    format: fileFormat(file.file, kind.feed, sniffed),
    sizeBytes: file.sizeBytes,
    modifiedMs: file.modifiedMs,
    // A file is a delivery named after itself: its name, not its folder, orders it (then the source's position).
    lineage: { source: file.source.name, delivery: file.file, appliedOrder: appliedOrder(basename(file.file), file.position) },
    workDir: options.workDir,
    serviceLines: options.serviceLines,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

/** What prepareFile needs for the canonical rows an adapter wrote for one kind (internal: they name their raw origin). */
export function adapterOutputRequest(
  path: string,
  kind: string,
  label: string,
  lineage: Lineage,
  options: { workDir: string; serviceLines: PrepareRequest['serviceLines'] },
): PrepareRequest {
  return {
    path,
    file: `${label} (${kind})`,
    contract: contractOf(kind),
    feed: undefined,
    format: { type: 'delimited', delimiter: ',', encoding: 'utf-8', skipLines: 0 },
    sizeBytes: 0,
    modifiedMs: 0,
    lineage,
    workDir: options.workDir,
    internal: true,
    serviceLines: options.serviceLines,
  };
}
