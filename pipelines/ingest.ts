// The ingest job: loads every new file in the inbox, in order of name. Each
// file is scanned and checked on its own (prepare-file.ts); files of one kind
// and layout are then read and landed in batches (load-batch.ts). A file that
// cannot be loaded (refused header, unknown kind, unreadable) is left in the
// inbox and named; the others still load, and the job reports failure.
import type { RefloopConfig } from '../src/config/schema.ts';
import { listInbox } from '../src/ingest/inbox.ts';
import { loadBatch, PSEUDONYMS } from '../src/ingest/load-batch.ts';
import { type FileOutcome, KnownFiles, prepareFile, type ReadyFile } from '../src/ingest/prepare-file.ts';
import { log, progress } from '../src/log.ts';
import { stopRequested } from '../src/shutdown.ts';
import type { Warehouse } from '../src/warehouse/warehouse.ts';

export interface IngestSummary {
  filesLoaded: number;
  filesAlreadyLoaded: number;
  refused: { file: string; reason: string }[];
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** Set when a stop signal ended the job between files. */
  stoppedBy?: string;
}

/**
 * Files of one kind and layout are read together, up to this many bytes of CSV
 * text: enough for DuckDB's threads to share the work, few enough that a
 * batch's staged rows fit in memory at any warehouse size.
 */
const BATCH_BYTES = 256 * 2 ** 20;

export async function ingestInbox(warehouse: Warehouse, config: RefloopConfig, inboxDir: string, runId: number): Promise<IngestSummary> {
  const files = await listInbox(inboxDir);
  const summary: IngestSummary = { filesLoaded: 0, filesAlreadyLoaded: 0, refused: [], rowsRead: 0, rowsLoaded: 0, rowsQuarantined: 0 };
  log('ingest.start', `ingest: ${files.length} extract file${files.length === 1 ? '' : 's'} in ${inboxDir}`, { files: files.length, inbox: inboxDir });
  const counters = new Map(files.map((file, index) => [file.name, `[${index + 1}/${files.length}] ${file.name}`]));
  const known = await KnownFiles.read(warehouse);
  let batch: ReadyFile[] = [];
  let batchBytes = 0;

  const record = (outcome: FileOutcome, seconds?: string) => {
    const counter = counters.get(outcome.file)!;
    switch (outcome.status) {
      case 'already_loaded':
        summary.filesAlreadyLoaded++;
        break;
      case 'refused':
        summary.refused.push({ file: outcome.file, reason: outcome.reason });
        log('ingest.file_refused', `${counter}: refused, nothing of it loaded, left in the inbox: ${outcome.reason}`, {
          file: outcome.file,
          reason: outcome.reason,
        });
        break;
      case 'loaded':
        summary.filesLoaded++;
        summary.rowsRead += outcome.rowsRead;
        summary.rowsLoaded += outcome.rowsLoaded;
        summary.rowsQuarantined += outcome.rowsQuarantined;
        log(
          'ingest.file_loaded',
          `${counter}: ${fmt(outcome.rowsRead)} read, ${fmt(outcome.rowsLoaded)} loaded, ${fmt(outcome.rowsQuarantined)} quarantined`,
          { file: outcome.file, kind: outcome.kind, rows_read: outcome.rowsRead, rows_loaded: outcome.rowsLoaded, rows_quarantined: outcome.rowsQuarantined, batch_seconds: Number(seconds) },
        );
    }
  };

  // While DuckDB loads one batch, Node scans the next files: the scan is
  // single-threaded JavaScript and would otherwise leave DuckDB idle.
  let loading: Promise<void> = Promise.resolve();
  let loadingLabel: string | undefined;
  const failedFiles = new Set<string>();
  /** Files whose content matched a file of this run: settled once every batch has landed. */
  const sameAsThisRun: Extract<FileOutcome, { status: 'already_loaded' }>[] = [];

  const load = async (pending: ReadyFile[]) => {
    const started = Date.now();
    const label = `${pending[0]!.contract.kind}: ${pending.length} file${pending.length === 1 ? '' : 's'} (${pending[0]!.file}${pending.length > 1 ? ` … ${pending.at(-1)!.file}` : ''})`;
    loadingLabel = label;
    let outcomes: FileOutcome[];
    try {
      outcomes = await loadBatch(warehouse, pending, runId, (stage) => progress(`${label}: ${stage}…`));
    } catch (error) {
      // Nothing of the batch was written; its hashes are free again.
      for (const ready of pending) {
        known.release(ready.sha256);
        failedFiles.add(ready.file);
      }
      outcomes = pending.map((ready) => ({ status: 'refused', file: ready.file, kind: ready.contract.kind, reason: `could not be loaded: ${(error as Error).message}` }));
    }
    loadingLabel = undefined;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    for (const outcome of outcomes) record(outcome, seconds);
  };

  /** Starts loading the batch in hand once the one before it has landed (one writer on the connection). */
  const flush = async () => {
    if (batch.length === 0) return;
    const pending = batch;
    batch = [];
    batchBytes = 0;
    await loading;
    loading = load(pending);
  };

  for (const [index, file] of files.entries()) {
    const stop = stopRequested();
    if (stop) {
      // The batch loading finishes; files scanned but not yet loading are left for the next run, like the rest.
      await loading;
      const left = files.length - index + batch.length;
      await Promise.all(batch.map((ready) => ready.cleanup()));
      batch = [];
      summary.stoppedBy = stop;
      log('ingest.stopped', `ingest: stopped by ${stop}; ${left} files left for the next run`, { signal: stop, files_left: left });
      break;
    }
    const counter = counters.get(file.name)!;
    if (!file.contract) {
      const reason = 'its name starts with no known extract kind (referrals, referral_events, appointments, visits, providers, capacity) followed by _ or .';
      summary.refused.push({ file: file.name, reason });
      log('ingest.file_refused', `${counter}: refused, left in the inbox: ${reason}`, { file: file.name, reason });
      continue;
    }
    let prepared: Awaited<ReturnType<typeof prepareFile>>;
    try {
      prepared = await prepareFile(
        {
          path: file.path,
          contract: file.contract,
          feed: config.feeds[file.contract.kind as keyof RefloopConfig['feeds']],
          sizeBytes: file.sizeBytes,
          modifiedMs: file.modifiedMs,
          onProgress: (stage, fraction) => {
            // While a batch loads, its line is the one shown.
            if (!loadingLabel) progress(`${counter}: ${stage}${fraction === undefined ? '…' : ` ${Math.min(100, Math.round(fraction * 100))}%`}`);
          },
        },
        known,
      );
    } catch (error) {
      prepared = { status: 'refused', file: file.name, kind: file.contract.kind, reason: `could not be loaded: ${(error as Error).message}` };
    }
    if (prepared.status === 'already_loaded' && known.isThisRun(prepared.sameAs)) {
      sameAsThisRun.push(prepared);
      continue;
    }
    if (prepared.status !== 'ready') {
      record(prepared);
      continue;
    }
    const ready = prepared.ready;
    if (batch.length > 0 && (batch[0]!.layout !== ready.layout || batchBytes + ready.lines.bytes > BATCH_BYTES)) await flush();
    known.claim(ready.sha256, ready.file);
    batch.push(ready);
    batchBytes += ready.lines.bytes;
  }
  await flush();
  await loading;
  for (const outcome of sameAsThisRun) {
    record(
      failedFiles.has(outcome.sameAs)
        ? { status: 'refused', file: outcome.file, kind: outcome.kind, reason: `it holds the same content as ${outcome.sameAs}, which could not be loaded` }
        : outcome,
    );
  }
  await warehouse.run(`DROP TABLE IF EXISTS ${PSEUDONYMS}`);
  return summary;
}

export function summaryLine(s: IngestSummary): string {
  const refused = s.refused.length ? `, ${s.refused.length} refused` : '';
  const skipped = s.filesAlreadyLoaded ? ` (${s.filesAlreadyLoaded} already loaded)` : '';
  return `ingest: ${s.filesLoaded} file${s.filesLoaded === 1 ? '' : 's'} loaded${skipped}${refused}; ${fmt(s.rowsRead)} rows read, ${fmt(s.rowsLoaded)} loaded, ${fmt(s.rowsQuarantined)} quarantined`;
}

const fmt = (n: number) => n.toLocaleString('en-US');
