// The files of csv sources in one ingest run: each is scanned and checked on
// its own (prepare-file.ts), then landed in batches of one kind and layout
// (load-batch.ts). While DuckDB loads one batch, Node scans the next files:
// the scan is single-threaded JavaScript and would otherwise leave DuckDB idle.
// And a batch is staged (read and checked in the staging process) while the
// one before it lands in the warehouse's: the two are separate processes,
// and a landing waits on the disk (its commit) much of its time. Small
// batches (a day's few rows of each kind) are staged two at a time, on two
// lanes of the staging instance: such a batch is mostly DuckDB planning its
// queries, one core's work. Batches still land one at a time, in order.
import type { InboxFile } from '../ingest/discover.ts';
import type { FileKind } from '../ingest/file-kinds.ts';
import { isSmallBatch, landBatch, type StagedBatch, stageBatch } from '../ingest/load-batch.ts';
import { type FileOutcome, inboxFileRequest, KnownFiles, prepareFile, type ReadyFile } from '../ingest/prepare-file.ts';
import { phase } from '../ingest/profile.ts';
import { type FileRedelivery, recordFileRedeliveries } from '../ingest/redeliveries.ts';
import { STAGING_LANES } from '../ingest/staging-instance.ts';
import { log, progress } from '../log.ts';
import { stopRequested } from '../shutdown.ts';
import { serviceLineAliases } from '../sources/service-lines.ts';
import { addRows, fmt, type IngestRun, loadFailure, stageText } from './ingest-run.ts';

/**
 * Files of one kind and layout are read together, up to this many bytes of CSV
 * text: enough for DuckDB's threads to share the work, few enough that a
 * batch's staged rows fit in memory at any warehouse size.
 */
const BATCH_BYTES = 256 * 2 ** 20;

/**
 * How many staged batches may wait to land: one large batch (its staged rows
 * are held until it lands, so no more than one pile of them), or a few small
 * ones (a few MB in all).
 */
const STAGED_AHEAD = { large: 1, small: 4 };

interface WorkItem {
  file: InboxFile;
  kind: FileKind;
}

type AlreadyLoaded = Extract<FileOutcome, { status: 'already_loaded' }>;

export async function ingestFiles(run: IngestRun, files: InboxFile[]): Promise<void> {
  const work = files.flatMap((file) => file.kinds.map((kind) => ({ file, kind })));
  const known = await phase('known files', () => KnownFiles.read(run.warehouse));
  // The staging instance opens in its process, on the other core, while the
  // first new file is scanned, rather than once it has been (a day's first
  // batch waited 60 ms for it). A run whose files are all as they were
  // loaded (name, size and time) opens none.
  if (work.some(({ file, kind }) => file.modifiedMs <= run.settleBefore && !known.isUnchanged(file.file, kind.kind, file.sizeBytes, file.modifiedMs))) run.staging.warm();
  const loads = new FileLoads(run, files, work, known);
  for (const [index, item] of work.entries()) {
    const stop = stopRequested();
    if (stop) {
      await loads.stop(stop, work.length - index);
      break;
    }
    await loads.take(item);
  }
  await loads.finish();
}

const workKey = (kind: string, file: string) => `${kind}\u0000${file}`;

/** The batches of one run: the one in hand, the one loading, and what their outcomes add to the summary. */
class FileLoads {
  private readonly counters: Map<string, string>;
  private readonly byName: Map<string, InboxFile>;
  private readonly serviceLines: ReturnType<typeof serviceLineAliases>;
  private batch: ReadyFile[] = [];
  private batchBytes = 0;
  /** Each lane's last staging step: a lane stages one batch at a time, and a large batch takes every lane. */
  private readonly lanes: Promise<unknown>[] = Array.from({ length: STAGING_LANES }, () => Promise.resolve());
  /** Every batch's landing, each after the one before it: one writer on the warehouse's connection. */
  private readonly landings: Promise<void>[] = [];
  private loadingLabel: string | undefined;
  private readonly failedFiles = new Set<string>();
  /** Content loaded before under another name: recorded once every batch has landed (one writer on the connection). */
  private readonly redelivered: FileRedelivery[] = [];
  /** Files whose content matched a file of this run: settled once every batch has landed. */
  private readonly sameAsThisRun: AlreadyLoaded[] = [];

  constructor(
    private readonly run: IngestRun,
    files: InboxFile[],
    work: WorkItem[],
    private readonly known: KnownFiles,
  ) {
    this.counters = new Map(work.map(({ file, kind }, index) => [workKey(kind.kind, file.file), `[${index + 1}/${work.length}] ${file.file}${file.kinds.length > 1 ? ` as ${kind.kind}` : ''}`]));
    this.byName = new Map(files.map((file) => [file.file, file]));
    this.serviceLines = serviceLineAliases(run.config);
  }

  private label(kind: string, file: string): string {
    return this.counters.get(workKey(kind, file)) ?? file;
  }

  /** Scans one file as one kind; a ready file joins the batch in hand. */
  async take({ file, kind }: WorkItem): Promise<void> {
    const label = this.label(kind.kind, file.file);
    if (file.modifiedMs > this.run.settleBefore) return this.wait(file, label);
    const prepared = await this.prepare(file, kind, label);
    if (prepared.status === 'already_loaded' && this.known.isThisRun(kind.kind, prepared.sameAs)) {
      this.sameAsThisRun.push(prepared);
      return;
    }
    if (prepared.status !== 'ready') return this.record(prepared);
    await this.add(kind.kind, prepared.ready);
  }

  private wait(file: InboxFile, label: string): void {
    if (this.run.summary.waiting.includes(file.file)) return;
    this.run.summary.waiting.push(file.file);
    log('ingest.file_waiting', `${label}: changed in the last minute (it may still be being written); it loads on the next run`, { file: file.file });
  }

  private async prepare(file: InboxFile, kind: FileKind, label: string): Promise<Awaited<ReturnType<typeof prepareFile>>> {
    try {
      const request = await inboxFileRequest(file, kind, {
        workDir: this.run.options.workDir,
        serviceLines: this.serviceLines,
        onProgress: (stage, fraction) => {
          // While a batch loads, its line is the one shown.
          if (!this.loadingLabel) progress(`${label}: ${stageText(stage, fraction)}`);
        },
      });
      return await phase('scan: prepare files (Node)', () => prepareFile(request, this.known));
    } catch (error) {
      return { status: 'refused', file: file.file, kind: kind.kind, reason: `could not be loaded: ${loadFailure(error, file.file)}` };
    }
  }

  private async add(kind: string, ready: ReadyFile): Promise<void> {
    if (this.batch.length > 0 && (this.batch[0]!.layout !== ready.layout || this.batchBytes + ready.lines.bytes > BATCH_BYTES)) await this.flush();
    this.known.claim(kind, ready.sha256, ready.file);
    this.batch.push(ready);
    this.batchBytes += ready.lines.bytes;
  }

  /** The last batch's landing, after every batch before it. */
  private get loading(): Promise<void> {
    return this.landings.at(-1) ?? Promise.resolve();
  }

  /**
   * Starts staging the batch in hand once a lane is free (every lane, for a
   * large batch) and few enough staged batches wait to land, and its landing
   * once the batch before it has landed.
   */
  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const pending = this.batch;
    const small = isSmallBatch(pending);
    this.batch = [];
    this.batchBytes = 0;
    const lane = await phase('idle: scan waits for the staging instance', () => this.freeLane(small));
    const label = `${pending[0]!.contract.kind}: ${pending.length} file${pending.length === 1 ? '' : 's'} (${pending[0]!.file}${pending.length > 1 ? ` … ${pending.at(-1)!.file}` : ''})`;
    this.loadingLabel = label;
    const started = Date.now();
    const staged = this.stage(pending, lane, label);
    const stagingDone = staged.catch(() => undefined);
    if (small) this.lanes[lane] = stagingDone;
    else this.lanes.fill(stagingDone);
    const landedBefore = this.loading;
    this.landings.push(
      staged.then(
        async (batch) => {
          await landedBefore;
          await this.load(pending, batch, started, label);
        },
        async (error: unknown) => {
          await landedBefore;
          this.failed(pending, error, started);
        },
      ),
    );
  }

  /** The lane the next batch is staged on, once it is free and the batch may run that far ahead of the landings. */
  private async freeLane(small: boolean): Promise<number> {
    const landedEnough = this.landings.at(-1 - (small ? STAGED_AHEAD.small : STAGED_AHEAD.large)) ?? Promise.resolve();
    if (!small) {
      await Promise.all([landedEnough, ...this.lanes]);
      return 0;
    }
    const [, lane] = await Promise.all([landedEnough, Promise.race(this.lanes.map((done, lane) => done.then(() => lane)))]);
    return lane;
  }

  private async stage(pending: ReadyFile[], lane: number, label: string): Promise<StagedBatch> {
    try {
      return await stageBatch(this.run.staging.lane(lane), pending, { onProgress: (stage) => progress(`${label}: ${stage}…`) });
    } catch (error) {
      await Promise.all(pending.map((ready) => ready.cleanup()));
      throw error;
    }
  }

  /** Nothing of the batch was written; its hashes are free again. */
  private failed(pending: ReadyFile[], error: unknown, started: number): void {
    for (const ready of pending) {
      this.known.release(ready.contract.kind, ready.sha256);
      this.failedFiles.add(workKey(ready.contract.kind, ready.file));
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    for (const ready of pending) {
      this.record({ status: 'refused', file: ready.file, kind: ready.contract.kind, reason: `could not be loaded: ${loadFailure(error, ready.file)}` }, seconds);
    }
  }

  private async load(pending: ReadyFile[], batch: StagedBatch, started: number, label: string): Promise<void> {
    const { warehouse, runId } = this.run;
    this.loadingLabel = label;
    progress(`${label}: landing…`);
    let outcomes: FileOutcome[];
    try {
      outcomes = await landBatch(warehouse, batch, runId);
    } catch (error) {
      return this.failed(pending, error, started);
    } finally {
      this.loadingLabel = undefined;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    for (const outcome of outcomes) this.record(outcome, seconds);
  }

  /** The batch loading finishes; files scanned but not yet loading are left for the next run, like the rest. */
  async stop(signal: string, remaining: number): Promise<void> {
    await this.loading;
    const left = remaining + this.batch.length;
    await Promise.all(this.batch.map((ready) => ready.cleanup()));
    this.batch = [];
    this.run.summary.stoppedBy = signal;
    log('ingest.stopped', `ingest: stopped by ${signal}; ${left} files left for the next run`, { signal, files_left: left });
  }

  /** Loads the last batch, then settles what had to wait for every batch to land. */
  async finish(): Promise<void> {
    await this.flush();
    await phase('idle: last batch lands', () => this.loading);
    for (const outcome of this.sameAsThisRun) {
      this.record(
        this.failedFiles.has(workKey(outcome.kind, outcome.sameAs))
          ? { status: 'refused', file: outcome.file, kind: outcome.kind, reason: `it holds the same content as ${outcome.sameAs}, which could not be loaded` }
          : outcome,
      );
    }
    for (const again of await phase('redeliveries', () => recordFileRedeliveries(this.run.warehouse, this.redelivered, this.run.runId))) {
      log('ingest.file_redelivered', `${again.file.file}: the same content as ${again.sameAs}, already loaded as ${again.kind}; recorded as a re-delivery (its feed counts as delivered), nothing loaded again`, {
        file: again.file.file,
        kind: again.kind,
        same_as: again.sameAs,
      });
    }
  }

  private record(outcome: FileOutcome, seconds?: string): void {
    const { summary } = this.run;
    const label = this.label(outcome.kind, outcome.file);
    switch (outcome.status) {
      case 'already_loaded':
        summary.filesAlreadyLoaded++;
        if (outcome.sameAs !== outcome.file) this.redelivered.push({ file: this.byName.get(outcome.file)!, kind: outcome.kind, sameAs: outcome.sameAs });
        break;
      case 'refused':
        summary.refused.push({ file: outcome.file, reason: outcome.reason });
        log('ingest.file_refused', `${label}: refused, nothing of it loaded, left in the inbox: ${outcome.reason}`, { file: outcome.file, reason: outcome.reason });
        break;
      case 'loaded':
        summary.filesLoaded++;
        addRows(summary, outcome);
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
  }
}
