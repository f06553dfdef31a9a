// The ingest job: loads what is new in the inbox, source by source. Files of
// a csv source (canonical extracts, vendor reports) are scanned and checked
// one by one (prepare-file.ts), then read and landed in batches of one kind
// and layout (load-batch.ts). Each delivery of a table adapter (Epic, FHIR,
// NPPES) is loaded wholly or not at all (load-delivery.ts). Whatever cannot
// be loaded is left where it lies and named; the rest still loads, and the
// job reports failure. Raw rows are read in the job's staging instance (a
// DuckDB in a process of its own: staging-instance.ts), never in the
// warehouse's.
import type { RefloopConfig } from '../config/schema.ts';
import { discover, type Discovery } from '../ingest/discover.ts';
import { addPhase, jobEnd, phase } from '../ingest/profile.ts';
import { stagingFor } from '../ingest/staging-instance.ts';
import { closeWorkDir, openWorkDir } from '../ingest/work-dir.ts';
import { log } from '../log.ts';
import { adapterFor } from '../sources/registry.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { ingestDeliveries } from './ingest-deliveries.ts';
import { ingestFiles } from './ingest-files.ts';
import { type IngestOptions, type IngestRun, type IngestSummary, newSummary } from './ingest-run.ts';

export { type IngestOptions, type IngestSummary, summaryLine } from './ingest-run.ts';

/** How long a file must lie unchanged before it is read: 60 s, or REFLOOP_SETTLE_SECONDS. */
export function settleSeconds(): number {
  const configured = Number(process.env.REFLOOP_SETTLE_SECONDS);
  return Number.isFinite(configured) && configured >= 0 ? configured : 60;
}

export async function ingestInbox(warehouse: Warehouse, config: RefloopConfig, inboxDir: string, runId: number, options: IngestOptions): Promise<IngestSummary> {
  // Process start, module loading, opening the warehouse: before this job's first step.
  const startCpu = process.cpuUsage();
  addPhase('start: process, modules, warehouse open', performance.now(), (startCpu.user + startCpu.system) / 1000);
  const leftovers = await phase('work folder', () => openWorkDir(options.workDir));
  if (leftovers) log('ingest.work_dir_cleaned', `ingest: removed ${leftovers} private cop${leftovers === 1 ? 'y' : 'ies'} a stopped job had left in ${options.workDir}`, { removed: leftovers });
  // Started when the first file is ready to load: a run with nothing new starts no process.
  const staging = stagingFor(warehouse, options.workDir);
  try {
    const found = await phase('discover', () => discover(config, inboxDir, adapterFor));
    logDiscovery(found, inboxDir);
    const run: IngestRun = {
      warehouse,
      staging,
      config,
      runId,
      options,
      summary: newSummary(found),
      settleBefore: Date.now() - (options.settleSeconds ?? settleSeconds()) * 1000,
    };
    await ingestFiles(run, found.files);
    if (!run.summary.stoppedBy) await ingestDeliveries(run, found.deliveries);
    return run.summary;
  } finally {
    try {
      await phase('staging close', () => staging.close());
    } finally {
      await phase('work folder', () => closeWorkDir(options.workDir));
      jobEnd();
    }
  }
}

function logDiscovery(found: Discovery, inboxDir: string): void {
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
}
