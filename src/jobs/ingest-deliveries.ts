// The deliveries of table adapters (Epic, FHIR, NPPES) in one ingest run:
// each is loaded wholly or not at all (load-delivery.ts).
import { appliedOrder } from '../ingest/applied-order.ts';
import type { DeliveryUnit } from '../ingest/discover.ts';
import { type DeliveryOutcome, knownDeliveries, loadDelivery } from '../ingest/load-delivery.ts';
import { recordDeliveryRedelivery } from '../ingest/redeliveries.ts';
import { log, progress } from '../log.ts';
import { stopRequested } from '../shutdown.ts';
import { addRows, fmt, type IngestRun, loadFailure, stageText } from './ingest-run.ts';

/** Deliveries in order of name, then source; NPPES last, so the referrers it keeps include this run's. */
export async function ingestDeliveries(run: IngestRun, deliveries: DeliveryUnit[]): Promise<void> {
  const ordered = inAppliedOrder(deliveries);
  const known = await knownDeliveries(run.warehouse);
  for (const [index, unit] of ordered.entries()) {
    const stop = stopRequested();
    if (stop) {
      run.summary.stoppedBy = stop;
      log('ingest.stopped', `ingest: stopped by ${stop}; ${ordered.length - index} deliveries left for the next run`, { signal: stop });
      return;
    }
    const label = `[delivery ${index + 1}/${ordered.length}] ${unit.label}`;
    if (unit.newestMs > run.settleBefore) {
      run.summary.waiting.push(unit.label);
      log('ingest.delivery_waiting', `${label}: a file changed in the last minute (the delivery may still be being written); it loads on the next run`, { delivery: unit.label });
      continue;
    }
    const started = Date.now();
    const outcome = await loadOne(run, unit, label, known);
    await record(run, unit, label, outcome, started);
  }
}

function inAppliedOrder(deliveries: DeliveryUnit[]): DeliveryUnit[] {
  // Compared as the warehouse compares them (by code point), not by locale.
  const order = (u: DeliveryUnit) => appliedOrder(u.delivery.name, u.position);
  return [...deliveries].sort(
    (a, b) => Number(a.adapter.name === 'nppes') - Number(b.adapter.name === 'nppes') || (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0),
  );
}

async function loadOne(run: IngestRun, unit: DeliveryUnit, label: string, known: Map<string, string>): Promise<DeliveryOutcome> {
  try {
    return await loadDelivery(run.warehouse, run.config, unit, run.runId, {
      workDir: run.options.workDir,
      staging: run.staging,
      known,
      onProgress: (stage, fraction) => progress(`${label}: ${stageText(stage, fraction)}`),
    });
  } catch (error) {
    return { status: 'refused', label: unit.label, reason: `could not be loaded: ${loadFailure(error, unit.label)}` };
  }
}

async function record(run: IngestRun, unit: DeliveryUnit, label: string, outcome: DeliveryOutcome, started: number): Promise<void> {
  const { summary } = run;
  if (outcome.status === 'already_loaded') {
    summary.filesAlreadyLoaded++;
    if (await recordDeliveryRedelivery(run.warehouse, unit, outcome.sameAs, run.runId)) {
      log('ingest.delivery_redelivered', `${label}: the same files and content as ${outcome.sameAs}, already loaded; recorded as a re-delivery, nothing loaded again`, {
        delivery: unit.label,
        same_as: outcome.sameAs,
      });
    }
    return;
  }
  if (outcome.status === 'refused') {
    summary.refused.push({ file: unit.label, reason: outcome.reason });
    log('ingest.delivery_refused', `${label}: refused, nothing of it loaded, left in the inbox: ${outcome.reason}`, { delivery: unit.label, reason: outcome.reason });
    return;
  }
  summary.deliveriesLoaded++;
  for (const file of outcome.files) {
    addRows(summary, file);
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
