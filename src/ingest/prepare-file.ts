// Everything about one extract file that can be settled before DuckDB reads it:
// whether it is new (name, size and mtime; then the hash of its bytes), how
// many records it holds and where each starts, whether its header meets the
// contract, and whether its quoting needs a repaired copy. A file that passes
// is ready to be read in a batch with the others of its kind (load-batch.ts).
import { basename } from 'node:path';
import type { FeedConfig } from '../config/schema.ts';
import type { ExtractContract } from '../contracts/types.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { HeaderError, type HeaderMapping, mapHeader } from './header.ts';
import type { QuarantineRow } from './quarantine.ts';
import { needsQuotingRepair, repairQuoting } from './quoting-repair.ts';
import { scanFile, type ScanResult } from './record-scanner.ts';

export interface PrepareRequest {
  path: string;
  contract: ExtractContract;
  feed: FeedConfig | undefined;
  sizeBytes: number;
  modifiedMs: number;
  onProgress?: (stage: string, fraction?: number) => void;
}

export type FileOutcome =
  | { status: 'loaded'; file: string; kind: string; rowsRead: number; rowsLoaded: number; rowsQuarantined: number }
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
  /** What DuckDB reads: the inbox file, or its repaired copy. */
  readPath: string;
  /** Line maps of what DuckDB reads, pointing at the inbox file's physical lines. */
  lines: ScanResult;
  /** Records the quoting repair quarantined (they are not in the copy DuckDB reads). */
  repairQuarantined: QuarantineRow[];
  /** Files that share it can be read by one read_csv: same kind, header and compression. */
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
    const rows = await warehouse.query<{ file: string; sha256: string; size_bytes: number | null; modified_ms: number | null }>(
      'SELECT file, sha256, size_bytes, modified_ms FROM ingested_files',
    );
    return new KnownFiles(
      new Set(rows.map((r) => KnownFiles.stamp(r.file, Number(r.size_bytes), Number(r.modified_ms)))),
      new Map(rows.map((r) => [r.sha256, r.file])),
    );
  }

  private static stamp(file: string, size: number, modifiedMs: number): string {
    return `${file}\u0000${size}\u0000${modifiedMs}`;
  }

  /** Loaded before under this name, size and modification time. */
  isUnchanged(file: string, size: number, modifiedMs: number): boolean {
    return this.stamps.has(KnownFiles.stamp(file, size, modifiedMs));
  }

  /** The file whose content has this hash, loaded or taken by this run. */
  holderOf(sha256: string): string | undefined {
    return this.holders.get(sha256);
  }

  claim(sha256: string, file: string): void {
    this.holders.set(sha256, file);
    this.claimed.add(file);
  }

  /** Taken by this run (loading, loaded or failed), rather than loaded before it. */
  isThisRun(file: string): boolean {
    return this.claimed.has(file);
  }

  /** A batch that failed wrote nothing: its hashes are free again. */
  release(sha256: string): void {
    this.holders.delete(sha256);
  }
}

export async function prepareFile(request: PrepareRequest, known: KnownFiles): Promise<FileOutcome | { status: 'ready'; ready: ReadyFile }> {
  const file = basename(request.path);
  const kind = request.contract.kind;
  // A file already loaded under this name, size and modification time is not
  // read again: an unchanged inbox costs nothing, and a day's run reads only
  // the day's files. Changed or renamed content is still caught by its hash.
  if (known.isUnchanged(file, request.sizeBytes, request.modifiedMs)) return { status: 'already_loaded', file, kind, sameAs: file };
  let scannedBytes = 0;
  const scan = await scanFile(request.path, (n) => {
    scannedBytes += n;
    request.onProgress?.('counting records', scannedBytes / Math.max(1, request.sizeBytes));
  });
  const sameAs = known.holderOf(scan.sha256);
  if (sameAs) return { status: 'already_loaded', file, kind, sameAs };

  if (scan.mixedLineEnds) {
    const { line, first, then } = scan.mixedLineEnds;
    return { status: 'refused', file, kind, reason: `line ${line} ends with ${then} but earlier lines end with ${first}; a file must use one line end throughout` };
  }
  let header: HeaderMapping;
  try {
    header = mapHeader(scan.header, request.contract, request.feed);
  } catch (error) {
    if (error instanceof HeaderError) return { status: 'refused', file, kind, reason: error.message };
    throw error;
  }

  const repair = needsQuotingRepair(scan) ? await repairQuoting(request.path, scan) : undefined;
  const readPath = repair?.path ?? request.path;
  return {
    status: 'ready',
    ready: {
      file,
      contract: request.contract,
      feed: request.feed,
      header,
      sha256: scan.sha256,
      sizeBytes: request.sizeBytes,
      modifiedMs: request.modifiedMs,
      readPath,
      lines: repair?.scan ?? scan,
      repairQuarantined: repair?.quarantined ?? [],
      layout: [kind, readPath.endsWith('.gz') ? 'gzip' : 'plain', ...header.sourceNames].join('\u0000'),
      cleanup: repair?.cleanup ?? (async () => {}),
    },
  };
}
