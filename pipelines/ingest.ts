// The ingest job: loads what is new in the inbox, source by source. Files of
// a csv source (canonical extracts, vendor reports) are scanned and checked
// one by one (prepare-file.ts), then read and landed in batches of one kind
// and layout (load-batch.ts). Each delivery of a table adapter (Epic, FHIR,
// NPPES) is loaded wholly or not at all (load-delivery.ts). Whatever cannot
// be loaded is left where it lies and named; the rest still loads, and the
// job reports failure. Raw rows are read in the job's staging instance (a
// DuckDB in a process of its own: staging-instance.ts), never in the
// warehouse's.
import type { RefloopConfig } from '../src/config/schema.ts';
import { type DeliveryUnit, discover, type InboxFile } from '../src/ingest/discover.ts';
import { loadBatch } from '../src/ingest/load-batch.ts';
import { appliedOrder } from '../src/ingest/applied-order.ts';
import { knownDeliveries, loadDelivery } from '../src/ingest/load-delivery.ts';
import { type FileOutcome, inboxFileRequest, KnownFiles, prepareFile, type ReadyFile } from '../src/ingest/prepare-file.ts';
import { type StagingInstance, stagingFor } from '../src/ingest/staging-instance.ts';
import { closeWorkDir, openWorkDir } from '../src/ingest/work-dir.ts';
import { type FileRedelivery, recordDeliveryRedelivery, recordFileRedeliveries } from '../src/ingest/redeliveries.ts';
import { log, progress } from '../src/log.ts';
import { stopRequested } from '../src/shutdown.ts';
import { adapterFor } from '../src/sources/registry.ts';
import { serviceLineAliases } from '../src/sources/service-lines.ts';
import type { Warehouse } from '../src/warehouse/warehouse.ts';

export interface IngestSummary {
  filesLoaded: number;
  filesAlreadyLoaded: number;
  deliveriesLoaded: number;
  refused: { file: string; reason: string }[];
  /** Files and deliveries changed too recently: they load on a later run. */
  waiting: string[];
  ignored: { file: string; reason: string }[];
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsQuarantined: number;
  /** Set when a stop signal ended the job between files. */
  stoppedBy?: string;
}

export interface IngestOptions {
  /** The private folder beside the warehouse for copies that hold raw rows (work-dir.ts). */
  workDir: string;
  /** A file or delivery changed less than this long ago may still be being written: it waits. */
  settleSeconds?: number;
}

/**
 * Files of one kind and layout are read together, up to this many bytes of CSV
 * text: enough for DuckDB's threads to share the work, few enough that a
 * batch's staged rows fit in memory at any warehouse size.
 */
const BATCH_BYTES = 256 * 2 ** 20;

/** How long a file must lie unchanged before it is read: 60 s, or REFLOOP_SETTLE_SECONDS. */
export function settleSeconds(): number {
  const configured = Number(process.env.REFLOOP_SETTLE_SECONDS);
  return Number.isFinite(configured) && configured >= 0 ? configured : 60;
}

export async function ingestInbox(warehouse: Warehouse, config: RefloopConfig, inboxDir: string, runId: number, options: IngestOptions): Promise<IngestSummary> {
  const leftovers = await openWorkDir(options.workDir);
  if (leftovers) log('ingest.work_dir_cleaned', `ingest: removed ${leftovers} private cop${leftovers === 1 ? 'y' : 'ies'} a stopped job had left in ${options.workDir}`, { removed: leftovers });
  // Started when the first file is ready to load: a run with nothing new starts no process.
  const staging = stagingFor(warehouse, options.workDir);
  try {
    return await ingest(warehouse, staging, config, inboxDir, runId, options);
  } finally {
    try {
      await staging.close();
    } finally {
      await closeWorkDir(options.workDir);
    }
  }
}

async function ingest(
  warehouse: Warehouse,
  staging: StagingInstance,
  config: RefloopConfig,
  inboxDir: string,
  runId: number,
  options: IngestOptions,
): Promise<IngestSummary> {
  const found = await discover(config, inboxDir, adapterFor);
  const summary: IngestSummary = {
    filesLoaded: 0,
    filesAlreadyLoaded: 0,
    deliveriesLoaded: 0,
    refused: [...found.refused],
    waiting: [],
    ignored: found.ignored,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsSkipped: 0,
    rowsQuarantined: 0,
  };
  const units = found.files.reduce((n, f) => n + f.kinds.length, 0) + found.deliveries.length;
  const files = units - found.deliveries.length;
  const deliveries = found.deliveries.length ? ` and ${found.deliveries.length} deliver${found.deliveries.length === 1 ? 'y' : 'ies'}` : '';
  log('ingest.start', `ingest: ${files} extract file${files === 1 ? '' : 's'}${deliveries} in ${inboxDir}`, {
    files: found.files.length,
    deliveries: found.deliveries.length,
    inbox: inboxDir,
  });
  for (const refused of found.refused) log('ingest.file_refused', `${refused.file}: refused, left in the inbox: ${refused.reason}`, refused);
  if (found.ignored.length) {
    log('ingest.ignored', `ingest: ignored ${found.ignored.length}: ${found.ignored.map((i) => `${i.file} (${i.reason})`).join('; ')}`, { ignored: found.ignored.length });
  }
  const settleBefore = Date.now() - (options.settleSeconds ?? settleSeconds()) * 1000;
  await ingestFiles(warehouse, staging, config, found.files, runId, options, summary, settleBefore);
  if (!summary.stoppedBy) await ingestDeliveries(warehouse, staging, config, found.deliveries, runId, options, summary, settleBefore);
  return summary;
}

async function ingestFiles(
  warehouse: Warehouse,
  staging: StagingInstance,
  config: RefloopConfig,
  files: InboxFile[],
  runId: number,
  options: IngestOptions,
  summary: IngestSummary,
  settleBefore: number,
): Promise<void> {
  const work = files.flatMap((file) => file.kinds.map((kind) => ({ file, kind })));
  const counters = new Map(work.map(({ file, kind }, index) => [`${kind.kind}\u0000${file.file}`, `[${index + 1}/${work.length}] ${file.file}${file.kinds.length > 1 ? ` as ${kind.kind}` : ''}`]));
  const counter = (kind: string, file: string) => counters.get(`${kind}\u0000${file}`) ?? file;
  const known = await KnownFiles.read(warehouse);
  const serviceLines = serviceLineAliases(config);
  let batch: ReadyFile[] = [];
  let batchBytes = 0;

  const byName = new Map(files.map((file) => [file.file, file]));
  /** Content loaded before under another name: recorded once every batch has landed (one writer on the connection). */
  const redelivered: FileRedelivery[] = [];
  const record = (outcome: FileOutcome, seconds?: string) => {
    const label = counter(outcome.kind, outcome.file);
    switch (outcome.status) {
      case 'already_loaded':
        summary.filesAlreadyLoaded++;
        if (outcome.sameAs !== outcome.file) redelivered.push({ file: byName.get(outcome.file)!, kind: outcome.kind, sameAs: outcome.sameAs });
        break;
      case 'refused':
        summary.refused.push({ file: outcome.file, reason: outcome.reason });
        log('ingest.file_refused', `${label}: refused, nothing of it loaded, left in the inbox: ${outcome.reason}`, { file: outcome.file, reason: outcome.reason });
        break;
      case 'loaded':
        summary.filesLoaded++;
        summary.rowsRead += outcome.rowsRead;
        summary.rowsLoaded += outcome.rowsLoaded;
        summary.rowsSkipped += outcome.rowsSkipped;
        summary.rowsQuarantined += outcome.rowsQuarantined;
        log(
          'ingest.file_loaded',
          `${label}: ${fmt(outcome.rowsRead)} read, ${fmt(outcome.rowsLoaded)} loaded, ${outcome.rowsSkipped ? `${fmt(outcome.rowsSkipped)} skipped, ` : ''}${fmt(outcome.rowsQuarantined)} quarantined`,
          {
            file: outcome.file,
            kind: outcome.kind,
            rows_read: outcome.rowsRead,
            rows_loaded: outcome.rowsLoaded,
            rows_skipped: outcome.rowsSkipped,
            rows_quarantined: outcome.rowsQuarantined,
            batch_seconds: Number(seconds),
          },
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
      outcomes = await loadBatch(warehouse, staging, pending, runId, { onProgress: (stage) => progress(`${label}: ${stage}…`) });
    } catch (error) {
      // Nothing of the batch was written; its hashes are free again.
      for (const ready of pending) {
        known.release(ready.contract.kind, ready.sha256);
        failedFiles.add(`${ready.contract.kind}\u0000${ready.file}`);
      }
      outcomes = pending.map((ready) => ({ status: 'refused', file: ready.file, kind: ready.contract.kind, reason: `could not be loaded: ${loadFailure(error, ready.file)}` }));
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

  for (const [index, { file, kind }] of work.entries()) {
    const stop = stopRequested();
    if (stop) {
      // The batch loading finishes; files scanned but not yet loading are left for the next run, like the rest.
      await loading;
      const left = work.length - index + batch.length;
      await Promise.all(batch.map((ready) => ready.cleanup()));
      batch = [];
      summary.stoppedBy = stop;
      log('ingest.stopped', `ingest: stopped by ${stop}; ${left} files left for the next run`, { signal: stop, files_left: left });
      break;
    }
    const label = counter(kind.kind, file.file);
    if (file.modifiedMs > settleBefore) {
      if (!summary.waiting.includes(file.file)) {
        summary.waiting.push(file.file);
        log('ingest.file_waiting', `${label}: changed in the last minute (it may still be being written); it loads on the next run`, { file: file.file });
      }
      continue;
    }
    let prepared: Awaited<ReturnType<typeof prepareFile>>;
    try {
      const request = await inboxFileRequest(file, kind, {
        workDir: options.workDir,
        serviceLines,
        onProgress: (stage, fraction) => {
          // While a batch loads, its line is the one shown.
          if (!loadingLabel) progress(`${label}: ${stage}${fraction === undefined ? '…' : ` ${Math.min(100, Math.round(fraction * 100))}%`}`);
        },
      });
      prepared = await prepareFile(request, known);
    } catch (error) {
      prepared = { status: 'refused', file: file.file, kind: kind.kind, reason: `could not be loaded: ${loadFailure(error, file.file)}` };
    }
    if (prepared.status === 'already_loaded' && known.isThisRun(kind.kind, prepared.sameAs)) {
      sameAsThisRun.push(prepared);
      continue;
    }
    if (prepared.status !== 'ready') {
      record(prepared);
      continue;
    }
    const ready = prepared.ready;
    if (batch.length > 0 && (batch[0]!.layout !== ready.layout || batchBytes + ready.lines.bytes > BATCH_BYTES)) await flush();
    known.claim(kind.kind, ready.sha256, ready.file);
    staging.warm();
    batch.push(ready);
    batchBytes += ready.lines.bytes;
  }
  await flush();
  await loading;
  for (const outcome of sameAsThisRun) {
    record(
      failedFiles.has(`${outcome.kind}\u0000${outcome.sameAs}`)
        ? { status: 'refused', file: outcome.file, kind: outcome.kind, reason: `it holds the same content as ${outcome.sameAs}, which could not be loaded` }
        : outcome,
    );
  }
  for (const again of await recordFileRedeliveries(warehouse, redelivered, runId)) {
    log('ingest.file_redelivered', `${again.file.file}: the same content as ${again.sameAs}, already loaded as ${again.kind}; recorded as a re-delivery (its feed counts as delivered), nothing loaded again`, {
      file: again.file.file,
      kind: again.kind,
      same_as: again.sameAs,
    });
  }
}

/** Deliveries in order of name, then source; NPPES last, so the referrers it keeps include this run's. */
async function ingestDeliveries(
  warehouse: Warehouse,
  staging: StagingInstance,
  config: RefloopConfig,
  deliveries: DeliveryUnit[],
  runId: number,
  options: IngestOptions,
  summary: IngestSummary,
  settleBefore: number,
): Promise<void> {
  // Compared as the warehouse compares them (by code point), not by locale.
  const order = (u: DeliveryUnit) => appliedOrder(u.delivery.name, u.position);
  const ordered = [...deliveries].sort(
    (a, b) => Number(a.adapter.name === 'nppes') - Number(b.adapter.name === 'nppes') || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0),
  );
  const known = await knownDeliveries(warehouse);
  for (const [index, unit] of ordered.entries()) {
    const stop = stopRequested();
    if (stop) {
      summary.stoppedBy = stop;
      log('ingest.stopped', `ingest: stopped by ${stop}; ${ordered.length - index} deliveries left for the next run`, { signal: stop });
      return;
    }
    const label = `[delivery ${index + 1}/${ordered.length}] ${unit.label}`;
    if (unit.newestMs > settleBefore) {
      summary.waiting.push(unit.label);
      log('ingest.delivery_waiting', `${label}: a file changed in the last minute (the delivery may still be being written); it loads on the next run`, { delivery: unit.label });
      continue;
    }
    const started = Date.now();
    let outcome: Awaited<ReturnType<typeof loadDelivery>>;
    try {
      outcome = await loadDelivery(warehouse, config, unit, runId, {
        workDir: options.workDir,
        staging,
        known,
        onProgress: (stage, fraction) => progress(`${label}: ${stage}${fraction === undefined ? '…' : ` ${Math.min(100, Math.round(fraction * 100))}%`}`),
      });
    } catch (error) {
      outcome = { status: 'refused', label: unit.label, reason: `could not be loaded: ${loadFailure(error, unit.label)}` };
    }
    if (outcome.status === 'already_loaded') {
      summary.filesAlreadyLoaded++;
      if (await recordDeliveryRedelivery(warehouse, unit, outcome.sameAs, runId)) {
        log('ingest.delivery_redelivered', `${label}: the same files and content as ${outcome.sameAs}, already loaded; recorded as a re-delivery, nothing loaded again`, {
          delivery: unit.label,
          same_as: outcome.sameAs,
        });
      }
      continue;
    }
    if (outcome.status === 'refused') {
      summary.refused.push({ file: unit.label, reason: outcome.reason });
      log('ingest.delivery_refused', `${label}: refused, nothing of it loaded, left in the inbox: ${outcome.reason}`, { delivery: unit.label, reason: outcome.reason });
      continue;
    }
    summary.deliveriesLoaded++;
    const files = outcome.files;
    const total = (pick: (o: (typeof files)[number]) => number) => files.reduce((n, o) => n + pick(o), 0);
    summary.rowsRead += total((o) => o.rowsRead);
    summary.rowsLoaded += total((o) => o.rowsLoaded);
    summary.rowsSkipped += total((o) => o.rowsSkipped);
    summary.rowsQuarantined += total((o) => o.rowsQuarantined);
    for (const file of outcome.files) {
      log('ingest.file_loaded', `${unit.label}/${file.file}: ${fmt(file.rowsRead)} read, ${fmt(file.rowsLoaded)} loaded, ${fmt(file.rowsSkipped)} skipped, ${fmt(file.rowsQuarantined)} quarantined`, {
        file: `${unit.label}/${file.file}`,
        rows_read: file.rowsRead,
        rows_loaded: file.rowsLoaded,
        rows_skipped: file.rowsSkipped,
        rows_quarantined: file.rowsQuarantined,
      });
    }
    log('ingest.delivery_loaded', `${label}: ${outcome.files.length} files, ${fmt(outcome.canonicalRows)} canonical rows, in ${((Date.now() - started) / 1000).toFixed(1)}s`, {
      delivery: unit.label,
      files: outcome.files.length,
      canonical_rows: outcome.canonicalRows,
    });
  }
}

/** A load failure as one line that says what to do; a full disk says so rather than what DuckDB said after it. */
function loadFailure(error: unknown, file: string): string {
  const message = String((error as Error)?.message ?? error);
  if (/ENOSPC|No space left on device|disk (is )?full|could not write/i.test(message)) return `the disk is full while loading ${file}: free space and run again (nothing of it was loaded)`;
  return message.split('\n')[0]!;
}

export function summaryLine(s: IngestSummary): string {
  const refused = s.refused.length ? `, ${s.refused.length} refused` : '';
  const waiting = s.waiting.length ? `, ${s.waiting.length} waiting` : '';
  const skipped = s.filesAlreadyLoaded ? ` (${s.filesAlreadyLoaded} already loaded)` : '';
  const deliveries = s.deliveriesLoaded ? ` and ${s.deliveriesLoaded} deliver${s.deliveriesLoaded === 1 ? 'y' : 'ies'}` : '';
  const rowsSkipped = s.rowsSkipped ? `, ${fmt(s.rowsSkipped)} skipped` : '';
  return `ingest: ${s.filesLoaded} file${s.filesLoaded === 1 ? '' : 's'}${deliveries} loaded${skipped}${refused}${waiting}; ${fmt(s.rowsRead)} rows read, ${fmt(s.rowsLoaded)} loaded${rowsSkipped}, ${fmt(s.rowsQuarantined)} quarantined`;
}

const fmt = (n: number) => n.toLocaleString('en-US');
