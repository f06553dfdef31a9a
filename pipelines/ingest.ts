// The ingest job: loads every new file in the inbox, in order of name. A file
// that cannot be loaded (refused header, unknown kind, unreadable) is left in
// the inbox and named; the others still load, and the job reports failure.
import type { RefloopConfig } from '../src/config/schema.ts';
import { listInbox } from '../src/ingest/inbox.ts';
import { type FileOutcome, loadFile } from '../src/ingest/load-file.ts';
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

export async function ingestInbox(warehouse: Warehouse, config: RefloopConfig, inboxDir: string, runId: number): Promise<IngestSummary> {
  const files = await listInbox(inboxDir);
  const summary: IngestSummary = { filesLoaded: 0, filesAlreadyLoaded: 0, refused: [], rowsRead: 0, rowsLoaded: 0, rowsQuarantined: 0 };
  log('ingest.start', `ingest: ${files.length} extract file${files.length === 1 ? '' : 's'} in ${inboxDir}`, { files: files.length, inbox: inboxDir });

  for (const [index, file] of files.entries()) {
    const stop = stopRequested();
    if (stop) {
      summary.stoppedBy = stop;
      log('ingest.stopped', `ingest: stopped by ${stop} before ${file.name}; ${files.length - index} files left for the next run`, { signal: stop, files_left: files.length - index });
      break;
    }
    const counter = `[${index + 1}/${files.length}] ${file.name}`;
    if (!file.contract) {
      const reason = 'its name starts with no known extract kind (referrals, referral_events, appointments, visits, providers, capacity) followed by _ or .';
      summary.refused.push({ file: file.name, reason });
      log('ingest.file_refused', `${counter}: refused, left in the inbox: ${reason}`, { file: file.name, reason });
      continue;
    }
    const started = Date.now();
    let outcome: FileOutcome;
    try {
      outcome = await loadFile(warehouse, {
        path: file.path,
        contract: file.contract,
        feed: config.feeds[file.contract.kind as keyof RefloopConfig['feeds']],
        runId,
        sizeBytes: file.sizeBytes,
        modifiedMs: file.modifiedMs,
        onProgress: (stage, fraction) =>
          progress(`${counter}: ${stage}${fraction === undefined ? '…' : ` ${Math.min(100, Math.round(fraction * 100))}%`}`),
      });
    } catch (error) {
      outcome = { status: 'refused', file: file.name, kind: file.contract.kind, reason: `could not be loaded: ${(error as Error).message}` };
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    switch (outcome.status) {
      case 'already_loaded':
        summary.filesAlreadyLoaded++;
        break;
      case 'refused':
        summary.refused.push({ file: file.name, reason: outcome.reason });
        log('ingest.file_refused', `${counter}: refused, nothing of it loaded, left in the inbox: ${outcome.reason}`, {
          file: file.name,
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
          `${counter}: ${fmt(outcome.rowsRead)} read, ${fmt(outcome.rowsLoaded)} loaded, ${fmt(outcome.rowsQuarantined)} quarantined (${seconds}s)`,
          { file: file.name, kind: outcome.kind, rows_read: outcome.rowsRead, rows_loaded: outcome.rowsLoaded, rows_quarantined: outcome.rowsQuarantined, seconds: Number(seconds) },
        );
    }
  }
  return summary;
}

export function summaryLine(s: IngestSummary): string {
  const refused = s.refused.length ? `, ${s.refused.length} refused` : '';
  const skipped = s.filesAlreadyLoaded ? ` (${s.filesAlreadyLoaded} already loaded)` : '';
  return `ingest: ${s.filesLoaded} file${s.filesLoaded === 1 ? '' : 's'} loaded${skipped}${refused}; ${fmt(s.rowsRead)} rows read, ${fmt(s.rowsLoaded)} loaded, ${fmt(s.rowsQuarantined)} quarantined`;
}

const fmt = (n: number) => n.toLocaleString('en-US');
