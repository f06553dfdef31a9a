// Loads one delivery of a table adapter (a folder of Epic tables, a FHIR
// export, an NPPES file) wholly or not at all: the adapter turns its raw rows
// into canonical CSVs in the private work folder, each canonical kind goes
// through the canonical load (validation, quarantine, pseudonyms, upsert;
// raw rows in the staging instance, never the warehouse's DuckDB), and
// everything lands in one transaction with the raw files' accounting. The
// adapters parse patient tables in Node; only NPPES, a public directory with
// no patient in it, is read by the warehouse's DuckDB.
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { RefloopConfig } from '../config/schema.ts';
import { adapterContext } from '../sources/context.ts';
import { CanonicalEmitter, type RawFileTally } from '../sources/emitter.ts';
import { hashFiles } from '../sources/hash-files.ts';
import { serviceLineAliases } from '../sources/service-lines.ts';
import { quotedString, withTransaction } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { appliedOrder } from './applied-order.ts';
import type { DeliveryUnit } from './discover.ts';
import { landBatch, LOADED_ORIGINS, type StagedBatch, stageBatch } from './load-batch.ts';
import { adapterOutputRequest, type FileOutcome, KnownFiles, prepareFile, type ReadyFile } from './prepare-file.ts';
import { phase, phaseStart, stagesTimed } from './profile.ts';
import { type StagingInstance, stagingFor } from './staging-instance.ts';
import { scratchDir } from './work-dir.ts';

export type DeliveryOutcome =
  | { status: 'loaded'; label: string; files: RawOutcome[]; canonicalRows: number }
  | { status: 'already_loaded'; label: string; sameAs: string }
  | { status: 'refused'; label: string; reason: string };

export interface RawOutcome {
  file: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsSkipped: number;
  rowsQuarantined: number;
}

/** Hash of every file's name and bytes, in name order: the delivery's identity. */
export async function deliveryHash(unit: DeliveryUnit): Promise<{ sha256: string; files: Map<string, string> }> {
  const whole = createHash('sha256');
  const files = new Map<string, string>();
  // A big delivery's files are hashed in two threads (hash-files.ts).
  const digests = await hashFiles(unit.delivery.files);
  unit.delivery.files.forEach((file, i) => {
    const digest = digests[i]!;
    files.set(file.name, digest);
    whole.update(`${file.name}\u0000${digest}\n`);
  });
  return { sha256: whole.digest('hex'), files };
}

export async function knownDeliveries(warehouse: Warehouse): Promise<Map<string, string>> {
  const rows = await warehouse.query<{ sha256: string; label: string }>(`SELECT sha256, source || '/' || delivery AS label FROM deliveries`);
  return new Map(rows.map((r) => [r.sha256, r.label]));
}

export async function loadDelivery(
  warehouse: Warehouse,
  config: RefloopConfig,
  unit: DeliveryUnit,
  runId: number,
  options: {
    workDir: string;
    known: Map<string, string>;
    onProgress: (stage: string, fraction?: number) => void;
    /** The job's staging instance; without one the delivery starts its own and closes it. */
    staging?: StagingInstance;
  },
): Promise<DeliveryOutcome> {
  const label = unit.label;
  options.onProgress('hashing');
  const hashes = await phase('delivery: hash files', () => deliveryHash(unit));
  const sameAs = options.known.get(hashes.sha256);
  if (sameAs) return { status: 'already_loaded', label, sameAs };

  const staging = options.staging ?? stagingFor(warehouse, options.workDir);
  // Started while the adapter reads, so it is ready when the canonical rows are.
  staging.warm();
  const scratch = await scratchDir(options.workDir, `delivery-${unit.source.name}`);
  const ready: ReadyFile[] = [];
  try {
    const stages = stagesTimed(`adapter ${unit.adapter.name}: `, options.onProgress);
    const emitter = new CanonicalEmitter(scratch.dir, label, stages.onProgress);
    let canonical: ReturnType<CanonicalEmitter['close']> = [];
    const endRead = phaseStart(`adapter ${unit.adapter.name}: read (all stages)`);
    try {
      await unit.adapter.read(unit.delivery, adapterContext(config, unit.source, unit.adapter, warehouse), emitter);
    } finally {
      stages.end();
      canonical = emitter.close();
      endRead();
    }
    const problem = accountingProblem(unit, emitter.tallies);
    if (problem) return { status: 'refused', label, reason: problem };

    const lineage = { source: unit.source.name, delivery: unit.delivery.name, appliedOrder: appliedOrder(unit.delivery.name, unit.position) };
    const noneKnown = await KnownFiles.read(warehouse);
    for (const { kind, path } of canonical) {
      const prepared = await phase('delivery: scan canonical files', () => prepareFile(adapterOutputRequest(path, kind, label, lineage, { workDir: scratch.dir, serviceLines: serviceLineAliases(config) }), noneKnown));
      if (prepared.status !== 'ready') return { status: 'refused', label, reason: `its ${kind} rows could not be read: ${'reason' in prepared ? prepared.reason : prepared.status}` };
      ready.push(prepared.ready);
    }

    let outcomes: RawOutcome[] = [];
    const endLand = phaseStart('delivery: transaction (loads + accounting + commit)');
    await withTransaction(warehouse, async () => {
      await warehouse.run(`CREATE OR REPLACE TEMP TABLE delivery_loaded_origins (origin_file VARCHAR, origin_line INTEGER)`);
      // Each kind is staged (in the staging process) while the one before it lands (in this one); they land in order.
      let next: Promise<StagedBatch> | undefined;
      const stage = (i: number) => (ready[i] ? stageBatch(staging, [ready[i]!]) : undefined);
      try {
        next = stage(0);
        for (let i = 0; i < ready.length; i++) {
          const file = ready[i]!;
          options.onProgress(`loading ${file.contract.kind}`);
          const staged = await next!;
          next = stage(i + 1);
          const [outcome] = (await landBatch(warehouse, staged, runId, { inTransaction: true })) as FileOutcome[];
          if (outcome?.status !== 'loaded') throw new Error(`its ${file.contract.kind} rows could not be loaded`);
        }
      } catch (error) {
        // A kind being staged when another failed: its landing rows go (its copies go with the delivery's).
        await next?.then((staged) => (staged.landing ? rm(staged.landing, { force: true }) : undefined)).catch(() => undefined);
        throw error;
      }
      const endRecord = phaseStart('delivery: raw rows accounting');
      await addContributions(warehouse, emitter);
      const loaded = await loadedPerFile(warehouse);
      outcomes = [...emitter.tallies.values()].map((tally) => rawOutcome(tally, loaded.get(emitter.rawName(tally.file)) ?? 0));
      await recordDelivery(warehouse, unit, emitter, outcomes, hashes, canonical.reduce((n, c) => n + c.rows, 0), runId);
      endRecord();
    });
    endLand();
    // The same bytes elsewhere in this run (another folder, another source) are the same delivery.
    options.known.set(hashes.sha256, label);
    return { status: 'loaded', label, files: outcomes, canonicalRows: canonical.reduce((n, c) => n + c.rows, 0) };
  } finally {
    await warehouse.run(`DROP TABLE IF EXISTS ${LOADED_ORIGINS}`);
    await Promise.all(ready.map((r) => r.cleanup()));
    if (!options.staging) await staging.close();
    await scratch.remove();
  }
}

/** Every raw row must be emitted, skipped by a rule or quarantined, exactly once: else the adapter lost rows, and nothing loads. */
function accountingProblem(unit: DeliveryUnit, tallies: Map<string, RawFileTally>): string | undefined {
  for (const tally of tallies.values()) {
    if (tally.read === undefined) return `the ${unit.adapter.name} adapter gave rows of ${tally.file} without counting the file's rows (a defect of the adapter)`;
    const skipped = [...tally.skipped.values()].reduce((a, b) => a + b, 0);
    const accounted = tally.emitted.size + skipped + tally.quarantined.length;
    if (accounted !== tally.read) {
      return `the ${unit.adapter.name} adapter accounted for ${accounted} of the ${tally.read} rows of ${tally.file} (emitted ${tally.emitted.size}, skipped ${skipped}, quarantined ${tally.quarantined.length}): a defect of the adapter; nothing of the delivery was loaded`;
    }
  }
  return undefined;
}

/** A raw row that contributed to a loaded canonical row is loaded too (adapter.ts `contributed`). */
async function addContributions(warehouse: Warehouse, emitter: CanonicalEmitter): Promise<void> {
  const c = emitter.contributions;
  if (c.file.length === 0) return;
  await warehouse.run('CREATE OR REPLACE TEMP TABLE delivery_contributions (origin_file VARCHAR, origin_line INTEGER, to_file VARCHAR, to_line INTEGER)');
  const appender = await warehouse.connection.createAppender('delivery_contributions', 'main', 'temp');
  for (let i = 0; i < c.file.length; i++) {
    appender.appendVarchar(c.file[i]!);
    appender.appendInteger(c.line[i]!);
    appender.appendVarchar(c.toFile[i]!);
    appender.appendInteger(c.toLine[i]!);
    appender.endRow();
  }
  appender.closeSync();
  await warehouse.run(`INSERT INTO ${LOADED_ORIGINS}
    SELECT DISTINCT c.origin_file, c.origin_line FROM temp.delivery_contributions AS c
    SEMI JOIN ${LOADED_ORIGINS} AS loaded ON loaded.origin_file = c.to_file AND loaded.origin_line = c.to_line`);
  await warehouse.run('DROP TABLE temp.delivery_contributions');
}

async function loadedPerFile(warehouse: Warehouse): Promise<Map<string, number>> {
  const rows = await warehouse.query<{ origin_file: string; n: number }>(
    `SELECT origin_file, count(DISTINCT origin_line)::BIGINT AS n FROM ${LOADED_ORIGINS} GROUP BY origin_file`,
  );
  return new Map(rows.map((r) => [r.origin_file, Number(r.n)]));
}

/** A raw row counts once: loaded when any canonical row it gave loaded, quarantined when every one was (or it could not be read). */
function rawOutcome(tally: RawFileTally, loadedRows: number): RawOutcome {
  const rowsSkipped = [...tally.skipped.values()].reduce((a, b) => a + b, 0);
  return {
    file: tally.file,
    rowsRead: tally.read ?? 0,
    rowsLoaded: loadedRows,
    rowsSkipped,
    rowsQuarantined: tally.emitted.size - loadedRows + tally.quarantined.length,
  };
}

async function recordDelivery(
  warehouse: Warehouse,
  unit: DeliveryUnit,
  emitter: CanonicalEmitter,
  outcomes: RawOutcome[],
  hashes: { sha256: string; files: Map<string, string> },
  canonicalRows: number,
  runId: number,
): Promise<void> {
  const source = quotedString(unit.source.name);
  const delivery = quotedString(unit.delivery.name);
  const adapter = quotedString(unit.adapter.name);
  const sizes = new Map(unit.delivery.files.map((f) => [f.name, f.sizeBytes]));
  const files = outcomes.map(
    (o) =>
      `(${[
        quotedString(emitter.rawName(o.file)),
        quotedString(hashes.files.get(o.file) ?? ''),
        adapter,
        o.rowsRead,
        o.rowsLoaded,
        o.rowsQuarantined,
        o.rowsSkipped,
        o.rowsLoaded,
        'now()',
        sizes.get(o.file) ?? 'NULL',
        runId,
        'NULL',
        source,
        delivery,
        quotedString(hashes.sha256),
      ].join(', ')})`,
  );
  if (files.length) {
    await warehouse.run(`INSERT INTO ingested_files BY NAME SELECT * FROM (VALUES ${files.join(',\n')})
      AS t(file, sha256, kind, rows_read, rows_loaded, rows_quarantined, rows_skipped, rows_emitted, ingested_at, size_bytes, run_id, modified_ms, source, delivery, delivery_sha256)`);
  }
  const tallies = [...emitter.tallies.values()];
  const skipped = tallies.flatMap((t) => [...t.skipped].map(([rule, n]) => `(${quotedString(emitter.rawName(t.file))}, ${adapter}, ${quotedString(rule)}, ${n}, ${runId})`));
  if (skipped.length) await warehouse.run(`INSERT INTO skipped_rows BY NAME SELECT * FROM (VALUES ${skipped.join(', ')}) AS t(file, kind, rule, rows, run_id)`);
  const quarantined = tallies.flatMap((t) =>
    t.quarantined.map((q) => `(${quotedString(emitter.rawName(t.file))}, ${q.line}, ${q.column === null ? 'NULL' : quotedString(q.column)}, NULL, ${quotedString(q.reason)}, ${adapter}, ${runId})`),
  );
  if (quarantined.length) await warehouse.run(`INSERT INTO quarantine VALUES ${quarantined.join(', ')}`);
  const issues = tallies.flatMap((t) =>
    [...t.issues.values()].map((i) => `(${quotedString(emitter.rawName(t.file))}, ${adapter}, ${quotedString(i.column)}, ${quotedString(i.reason)}, ${i.rows}, ${runId})`),
  );
  if (issues.length) await warehouse.run(`INSERT INTO load_issues VALUES ${issues.join(', ')}`);
  const total = (pick: (o: RawOutcome) => number) => outcomes.reduce((n, o) => n + pick(o), 0);
  await warehouse.run(
    `INSERT INTO deliveries BY NAME SELECT ${source} AS source, ${adapter} AS adapter, ${delivery} AS delivery, ${quotedString(hashes.sha256)} AS sha256,
       ${outcomes.length} AS files, ${total((o) => o.rowsRead)} AS rows_read, ${total((o) => o.rowsLoaded)} AS rows_loaded,
       ${total((o) => o.rowsSkipped)} AS rows_skipped, ${total((o) => o.rowsQuarantined)} AS rows_quarantined, ${canonicalRows} AS canonical_rows,
       now() AS ingested_at, ${runId} AS run_id`,
  );
}
