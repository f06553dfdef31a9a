// Loads a batch of prepared extract files of one kind and layout: every record
// read is loaded or quarantined, and the batch lands in one transaction with
// its files' ingested_files rows, so a warehouse killed at any moment holds
// each file wholly or not at all.
//
// One read_csv over the batch's files lets DuckDB's threads share the typing
// (one small file is read by one thread), and one MERGE per batch replaces a
// join against the whole landing table for every file.
//
// The raw rows are read, checked and pseudonymized in the staging instance
// (staging-instance.ts), never in the warehouse's DuckDB: what the warehouse
// reads is the loadable rows with the pseudonym in place of the MRN (a
// Parquet file in the private work folder), and the batch's counts, lines and
// reasons (PHI values already withheld).
import { chmod, rm } from 'node:fs/promises';
import { landingColumns, LINEAGE_COLUMNS } from '../contracts/landing.ts';
import type { ExtractContract } from '../contracts/types.ts';
import { quotedIdentifier, quotedString, withTransaction } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { FileOutcome, ReadyFile } from './prepare-file.ts';
import { type ContractReject, type QuarantineRow, quarantinedRecords, readerRejects, readerRejectsByPath } from './quarantine.ts';
import { phase, phaseStart } from './profile.ts';
import type { StagingInstance } from './staging-instance.ts';
import { LOADABLE, REJECTS_SCAN_TABLE, REJECTS_TABLE, stagedColumn, stagingSql } from './staging-sql.ts';

/** Raw rows of a delivery that some loaded canonical row came from (see recordLoadedOrigins). */
export const LOADED_ORIGINS = 'temp.delivery_loaded_origins';

/** A DuckDB to run SQL on: the warehouse, or the staging instance. */
type Sql = Pick<Warehouse, 'query' | 'run'>;

/** What a batch leaves in the staging instance (the run's pseudonyms stay). */
const DROP_STAGED = `DROP TABLE IF EXISTS temp.staged; DROP TABLE IF EXISTS temp.batch_files; DROP TABLE IF EXISTS temp.repeated_keys; DROP TABLE IF EXISTS temp.${REJECTS_TABLE}; DROP TABLE IF EXISTS temp.${REJECTS_SCAN_TABLE};`;

export interface LoadOptions {
  onProgress?: (stage: string) => void;
  /**
   * The caller holds a transaction (a delivery lands all its kinds in one):
   * the batch writes inside it instead of committing on its own.
   */
  inTransaction?: boolean;
}

/**
 * A batch read in the staging instance, its landing rows written for the
 * warehouse: what is left is to land it (landBatch). Nothing of it is in the
 * staging instance any more (the run's pseudonyms stay).
 */
export interface StagedBatch {
  files: readonly ReadyFile[];
  outcomes: FileOutcome[];
  repeats: KeyRepeats;
  quarantine: Map<string, QuarantineRow[]>;
  lineMaps: { ready: ReadyFile; accepted: number[] }[];
  issues: LoadIssue[];
  /** The staging instance's id of each read path (see stageBatchFiles). */
  fileIds: Map<string, string>;
  /** The landing rows (writeLandingRows); removed once landed or failed. None when the batch's files hold no records. */
  landing: string | undefined;
}

/**
 * Reads, checks, stages and lands a batch: stageBatch, then landBatch.
 * @param staging the job's staging instance, where the raw rows are read.
 * @param files prepared files of one layout, in order of name.
 */
export async function loadBatch(
  warehouse: Warehouse,
  staging: StagingInstance,
  files: readonly ReadyFile[],
  runId: number,
  options: LoadOptions = {},
): Promise<FileOutcome[]> {
  if (files.length === 0) return [];
  let staged: StagedBatch | undefined;
  try {
    staged = await stageBatch(staging, files, options);
  } finally {
    if (!staged) await Promise.all(files.map((f) => f.cleanup()));
  }
  return landBatch(warehouse, staged, runId, options);
}

/**
 * The staging half of a batch: every record read is counted as staged or
 * rejected, and the loadable ones are written (pseudonymized) for the
 * warehouse. It writes nothing to the warehouse, so the next batch's staging
 * can run while the one before it lands. On failure its copies are not
 * removed: the caller's cleanup of the files does that.
 */
export async function stageBatch(staging: StagingInstance, files: readonly ReadyFile[], options: Pick<LoadOptions, 'onProgress'> = {}): Promise<StagedBatch> {
  const first = files[0];
  if (!first) throw new Error('an empty batch has nothing to stage');
  // A batch of files with no records (a day's export of a kind that had
  // none) has nothing to read, check or land: it is accounted for here, and
  // only its ingested_files rows (and any record the scanner set aside) land.
  // The count is the record scanner's, which DuckDB's reading of a file is
  // otherwise checked against (accountFor): here nothing reads it to check.
  if (files.every((f) => f.lines.records === 0)) {
    return { files, ...accountFor(files, NOTHING_READ), repeats: 'none', issues: [], fileIds: new Map(), landing: undefined };
  }
  const contract = first.contract;
  let landing: string | undefined;
  let done = false;
  try {
    options.onProgress?.('reading and validating');
    await phase('load: staging instance ready', () =>
      staging.run(`${optimizersFor(files)} DROP TABLE IF EXISTS temp.${REJECTS_TABLE}; DROP TABLE IF EXISTS temp.${REJECTS_SCAN_TABLE};`),
    );
    await phase('load: staging read_csv + checks', () => staging.run(stagingSql(contract, first.header, first.feed, files.map((f) => f.readPath), first.read)));
    const repeats = await phase('load: repeated keys', () => markConflictingDuplicates(staging, contract));
    const fileIds = await phase('load: batch files', () => stageBatchFiles(staging, files));

    const endAccounting = phaseStart('load: accounting queries');
    const rejectsByPath = await readerRejectsByPath(staging);
    const extents = await stagedExtents(staging);
    const read: ReadInStaging = { rejectsByPath, extents, contractRejects: await contractRejectsByPath(staging, extents), skipped: await skippedByFilter(staging) };
    endAccounting();
    const accounted = accountFor(files, read);

    options.onProgress?.('writing');
    await phase('load: pseudonymize', () => extendPseudonyms(staging, contract));
    landing = await staging.transferPath(contract.kind);
    await phase('load: Parquet handoff (write)', () => writeLandingRows(staging, contract, extents, landing!));
    const issues = await phase('load: accounting queries', () => loadIssues(staging, contract));
    done = true;
    return { files, ...accounted, repeats, issues, fileIds, landing };
  } finally {
    // The staged rows have crossed (or failed to): their memory is the warehouse's to use while it lands them.
    // A staging process that died cannot drop: the first error is the one to report.
    const dropped = phase('load: drop staged', () => staging.run(DROP_STAGED));
    if (done) await dropped;
    else {
      await dropped.catch(() => {});
      if (landing) await rm(landing, { force: true });
    }
  }
}

/** What the staging instance read of a batch, per read path: the reader's rejects, the staged rows, the contract's rejects, the rows each filter skipped. */
interface ReadInStaging {
  rejectsByPath: Map<string, { line: number; columnIndex: number | null; errorType: string }[]>;
  extents: Map<string, Extent>;
  contractRejects: Map<string, ContractReject[]>;
  skipped: Map<string, Map<string, number>>;
}

const NOTHING_READ: ReadInStaging = { rejectsByPath: new Map(), extents: new Map(), contractRejects: new Map(), skipped: new Map() };

/** Each file's outcome, quarantine rows and line map from what was read of it: every record is staged or rejected. */
function accountFor(files: readonly ReadyFile[], read: ReadInStaging): Pick<StagedBatch, 'outcomes' | 'quarantine' | 'lineMaps'> {
  const contract = files[0]!.contract;
  const quarantine = new Map<string, QuarantineRow[]>();
  const lineMaps: { ready: ReadyFile; accepted: number[] }[] = [];
  const outcomes = files.map((ready): FileOutcome => {
    const rejected = readerRejects(read.rejectsByPath.get(ready.readPath) ?? [], ready.lines, ready.header);
    const staged = read.extents.get(ready.readPath)?.count ?? 0;
    if (staged + rejected.length !== ready.lines.records) {
      throw new Error(
        `${ready.file}: the CSV reader accounted for ${staged + rejected.length} records but the file holds ${ready.lines.records}; nothing of it was loaded`,
      );
    }
    const rows = [...rejected, ...ready.repairQuarantined, ...quarantinedRecords(read.contractRejects.get(ready.readPath) ?? [], ready.lines, rejected)];
    quarantine.set(ready.readPath, rows);
    if (ready.header.originLine === undefined && !hasTrivialLines(ready, rejected.length)) lineMaps.push({ ready, accepted: acceptedRecords(ready, rejected) });
    const bySkipRule = read.skipped.get(ready.readPath) ?? new Map<string, number>();
    const rowsSkipped = [...bySkipRule.values()].reduce((a, b) => a + b, 0);
    const rowsRead = ready.lines.records + ready.repairQuarantined.length;
    return {
      status: 'loaded',
      file: ready.file,
      kind: contract.kind,
      rowsRead,
      rowsLoaded: rowsRead - rows.length - rowsSkipped,
      rowsQuarantined: rows.length,
      rowsSkipped,
      skippedByRule: bySkipRule,
    };
  });
  return { outcomes, quarantine, lineMaps };
}

/**
 * A batch of at most this many bytes (a day's rows of one kind) is read in
 * less time than DuckDB takes to plan its queries: it is staged beside
 * another small one (ingest-files.ts), and planned without the IN-clause
 * rewrite (optimizersFor).
 */
const SMALL_BATCH_BYTES = 2 ** 20;

export function isSmallBatch(files: readonly ReadyFile[]): boolean {
  return files.reduce((sum, f) => sum + f.lines.bytes, 0) <= SMALL_BATCH_BYTES;
}

/**
 * A third of the planning of a small batch's staging query (20 ms of a day's
 * referrals) is the IN-clause rewrite, which turns each value list (an enum's
 * values, the ZIP prefixes) into a join: that pays off only over many rows.
 * The setting is the instance's, not the connection's: each batch sets it for
 * itself, and a large batch is staged alone (ingest-files.ts), so it plans as
 * always (without the rewrite a large batch's staging ran out of memory at a
 * low limit where with it it spills).
 */
function optimizersFor(files: readonly ReadyFile[]): string {
  return `SET disabled_optimizers = '${isSmallBatch(files) ? 'in_clause' : ''}';`;
}

/**
 * The warehouse half of a batch: its rows and their accounting (quarantine,
 * issues, ingested_files) land in one transaction (the caller's, with
 * inTransaction). Removes the batch's landing rows and copies, landed or not.
 */
export async function landBatch(warehouse: Warehouse, staged: StagedBatch, runId: number, options: Pick<LoadOptions, 'inTransaction'> = {}): Promise<FileOutcome[]> {
  const { files, outcomes, repeats, quarantine, lineMaps, issues, landing } = staged;
  const contract = files[0]!.contract;
  let failed = false;
  try {
    const endStage = phaseStart('load: stage quarantine and line maps');
    if (landing) {
      // What the rows' upsert joins: each row's file, and the line maps of files that need one.
      await warehouseBatchFiles(warehouse, files, staged.fileIds);
      await stageLineMaps(warehouse, lineMaps);
    }
    await stageQuarantine(warehouse, files, quarantine);
    endStage();
    const land = async () => {
      if (landing) {
        const empty = await isEmpty(warehouse, contract);
        await phase(empty ? 'load: landing INSERT' : 'load: landing MERGE', () => warehouse.run(upsertSql(contract, repeats, empty, runId, landing, lineMaps.length > 0)));
      }
      const endRecord = phaseStart('load: record accounting');
      await warehouse.run(
        `INSERT INTO quarantine SELECT file, line, column_name, value, reason, ${quotedString(contract.kind)}, ${runId} FROM quarantine_batch ORDER BY file, line`,
      );
      if (issues.length) await warehouse.run(loadIssuesSql(contract, issues, runId));
      if (landing && files.some((f) => f.internal)) await recordLoadedOrigins(warehouse, landing);
      const recorded = files.map((f, i) => ({ ready: f, outcome: outcomes[i]! })).filter(({ ready }) => !ready.internal);
      if (recorded.length) {
        await warehouse.run(ingestedFilesSql(recorded, runId));
        await warehouse.run(skippedRowsSql(recorded, runId));
      }
      endRecord();
    };
    if (options.inTransaction) await land();
    else await phase('load: transaction (land + commit)', () => withTransaction(warehouse, land));
    return outcomes;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Inside a caller's transaction that an error aborted, the drops fail
    // too (the rollback removes the tables): the first error is the one to report.
    const dropped = warehouse.run('DROP TABLE IF EXISTS temp.quarantine_batch; DROP TABLE IF EXISTS temp.batch_files; DROP TABLE IF EXISTS temp.batch_lines;');
    if (failed) await dropped.catch(() => {});
    else await dropped;
    if (landing) await rm(landing, { force: true });
    await Promise.all(files.map((f) => f.cleanup()));
  }
}

/** Rows a feed's filters skipped, per read path and rule. */
async function skippedByFilter(staging: Sql): Promise<Map<string, Map<string, number>>> {
  const rows = await staging.query<{ read_path: string; rule: string; n: number }>(
    `SELECT batch_files.read_path, skip_rule AS rule, count(*)::BIGINT AS n
     FROM staged JOIN batch_files USING (file_id) WHERE skip_rule IS NOT NULL GROUP BY ALL ORDER BY ALL`,
  );
  const byPath = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const rules = byPath.get(row.read_path) ?? new Map<string, number>();
    rules.set(row.rule, Number(row.n));
    byPath.set(row.read_path, rules);
  }
  return byPath;
}

/**
 * A file whose k-th record starts on line k + 1 (no blank lines, no
 * multi-line records, nothing set aside by the reader or the repair): a
 * row's line follows from its position, with no map to join.
 */
function hasTrivialLines(ready: ReadyFile, readerRejected: number): boolean {
  if (readerRejected > 0 || ready.repairQuarantined.length > 0) return false;
  const lines = ready.lines.physicalLines;
  for (let k = 1; k < lines.length; k++) if (lines[k] !== k + 1) return false;
  return true;
}

/** The physical line of each record the reader accepted, in order. */
function acceptedRecords(ready: ReadyFile, rejected: readonly { record: number }[]): number[] {
  const out = new Set(rejected.map((r) => r.record));
  const accepted: number[] = [];
  for (let k = 1; k <= ready.lines.records; k++) if (!out.has(k)) accepted.push(ready.lines.physicalLines[k]!);
  return accepted;
}

async function stageLineMaps(warehouse: Warehouse, maps: { ready: ReadyFile; accepted: number[] }[]): Promise<void> {
  await warehouse.run('CREATE OR REPLACE TEMP TABLE batch_lines (file_id UBIGINT, position BIGINT, line INTEGER)');
  if (maps.length === 0) return;
  const rows = await warehouse.query<{ read_path: string; file_id: string }>('SELECT read_path, file_id::VARCHAR AS file_id FROM batch_files');
  const idOf = new Map(rows.map((r) => [r.read_path, r.file_id]));
  const appender = await warehouse.connection.createAppender('batch_lines', 'main', 'temp');
  maps.forEach(({ ready, accepted }) => {
    const id = BigInt(idOf.get(ready.readPath)!);
    accepted.forEach((line, position) => {
      appender.appendUBigInt(id);
      appender.appendBigInt(BigInt(position));
      appender.appendInteger(line);
      appender.endRow();
    });
  });
  appender.closeSync();
}

/** The raw rows (file, line) of a delivery that gave at least one loaded canonical row (the landing file holds only loaded rows). */
async function recordLoadedOrigins(warehouse: Warehouse, landing: string): Promise<void> {
  await warehouse.run(`CREATE TEMP TABLE IF NOT EXISTS delivery_loaded_origins (origin_file VARCHAR, origin_line INTEGER)`);
  await warehouse.run(`INSERT INTO ${LOADED_ORIGINS} SELECT DISTINCT origin_file, origin_line FROM read_parquet(${quotedString(landing)}) WHERE origin_file IS NOT NULL`);
}

/**
 * The run's MRN → pseudonym pairs, kept in the staging instance for the run
 * (never the warehouse): HMAC-SHA256 is the dearest step of typing a row, and
 * one patient's MRN comes in their referral, appointments and visits, often
 * re-sent. Bounded, so a very large run does not hold every patient it has
 * seen.
 */
const PSEUDONYMS = 'temp.run_pseudonyms';
const PSEUDONYMS_KEPT = 2_000_000;

async function extendPseudonyms(staging: Sql, contract: ExtractContract): Promise<void> {
  const column = contract.columns.find((c) => c.phi === 'pseudonymize');
  if (!column) return;
  await staging.run(`CREATE TEMP TABLE IF NOT EXISTS run_pseudonyms (patient_id VARCHAR, patient_key VARCHAR)`);
  const [kept] = await staging.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${PSEUDONYMS}`);
  if (Number(kept?.n) > PSEUDONYMS_KEPT) await staging.run(`DELETE FROM ${PSEUDONYMS}`);
  await staging.run(`
    INSERT INTO ${PSEUDONYMS}
    SELECT patient_id, refloop_pseudonym(patient_id) FROM (
      SELECT DISTINCT ${quotedIdentifier(column.name)} AS patient_id FROM staged WHERE ${LOADABLE} AND ${quotedIdentifier(column.name)} IS NOT NULL
    ) AS batch
    WHERE NOT EXISTS (SELECT 1 FROM ${PSEUDONYMS} AS seen WHERE seen.patient_id = batch.patient_id)`);
}

/**
 * Which file each read path is, with its lineage (source, delivery, applied
 * order), for the per-file counts (staging) and, once landing, the landing
 * rows (warehouseBatchFiles). staged names each row's file by the hash of its
 * path (see staging-sql.ts); the warehouse is given the staging instance's
 * hashes, so the two can never disagree.
 */
async function stageBatchFiles(staging: Sql, files: readonly ReadyFile[]): Promise<Map<string, string>> {
  await staging.run(
    `CREATE OR REPLACE TEMP TABLE batch_files AS
     SELECT read_path, file, source_name, source_delivery, applied_order, hash(read_path) AS file_id
     FROM (VALUES ${files.map((f) => `(${lineageOf(f).join(', ')})`).join(', ')}) AS t(read_path, file, source_name, source_delivery, applied_order)`,
  );
  const rows = await staging.query<{ read_path: string; file_id: string }>('SELECT read_path, file_id::VARCHAR AS file_id FROM batch_files');
  const idOf = new Map(rows.map((r) => [r.read_path, r.file_id]));
  if (new Set(idOf.values()).size !== files.length) throw new Error('two files of the batch have paths with the same hash; load them in separate runs');
  return idOf;
}

const lineageOf = (f: ReadyFile) => [f.readPath, f.file, f.lineage.source, f.lineage.delivery, f.lineage.appliedOrder].map(quotedString);

async function warehouseBatchFiles(warehouse: Sql, files: readonly ReadyFile[], idOf: Map<string, string>): Promise<void> {
  await warehouse.run(
    `CREATE OR REPLACE TEMP TABLE batch_files AS
     SELECT read_path, file, source_name, source_delivery, applied_order, CAST(file_id AS UBIGINT) AS file_id
     FROM (VALUES ${files.map((f) => `(${[...lineageOf(f), quotedString(idOf.get(f.readPath)!)].join(', ')})`).join(', ')})
       AS t(read_path, file, source_name, source_delivery, applied_order, file_id)`,
  );
}

interface Extent {
  first: number;
  count: number;
  /** The file's rows are the rowids first … first + count - 1. */
  contiguous: boolean;
}

/**
 * Each file's rows in `staged`. The reader keeps each file's records in order,
 * but may interleave the files of a batch (small files are read side by side),
 * so a row's position in its file is its rowid less the file's first only
 * where the file's rows are contiguous; elsewhere it is counted.
 */
async function stagedExtents(staging: Sql): Promise<Map<string, Extent>> {
  const rows = await staging.query<{ read_path: string; first: number; last: number; n: number }>(
    `SELECT batch_files.read_path, extents.* EXCLUDE (file_id) FROM (
       SELECT file_id, min(rowid)::BIGINT AS first, max(rowid)::BIGINT AS last, count(*)::BIGINT AS n FROM staged GROUP BY file_id
     ) AS extents JOIN batch_files USING (file_id)`,
  );
  return new Map(
    rows.map((row) => [
      row.read_path,
      { first: Number(row.first), count: Number(row.n), contiguous: Number(row.last) - Number(row.first) + 1 === Number(row.n) },
    ]),
  );
}

async function contractRejectsByPath(staging: Sql, extents: Map<string, Extent>): Promise<Map<string, ContractReject[]>> {
  const interleaved = [...extents].filter(([, extent]) => !extent.contiguous).map(([path]) => `hash(${quotedString(path)})`);
  // Counting a row's place in its file costs a sort, so only the interleaved files pay it.
  const position = interleaved.length
    ? `CASE WHEN file_id IN (${interleaved.join(', ')}) THEN row_number() OVER (PARTITION BY file_id ORDER BY rowid) - 1 END`
    : 'NULL';
  const rows = await staging.query<{
    read_path: string;
    row_id: number;
    counted: number | null;
    column: string;
    reason: string;
    value: string | null;
    origin_file: string | null;
    origin_line: number | null;
  }>(
    `SELECT batch_files.read_path, rejects.* EXCLUDE (file_id) FROM (
       SELECT file_id, rowid::BIGINT AS row_id, (${position})::BIGINT AS counted, origin_file, origin_line,
         quarantine_column AS "column", quarantine_reason AS reason, quarantine_value AS value
       FROM staged WHERE quarantine_reason IS NOT NULL${interleaved.length ? ` OR file_id IN (${interleaved.join(', ')})` : ''}
     ) AS rejects JOIN batch_files USING (file_id) WHERE reason IS NOT NULL ORDER BY read_path, row_id`,
  );
  const byPath = new Map<string, ContractReject[]>();
  for (const row of rows) {
    const list = byPath.get(row.read_path) ?? [];
    const position = row.counted ?? Number(row.row_id) - extents.get(row.read_path)!.first;
    list.push({
      position: Number(position),
      column: row.column,
      reason: row.reason,
      value: row.value,
      ...(row.origin_line === null ? {} : { originFile: row.origin_file ?? undefined, originLine: Number(row.origin_line) }),
    });
    byPath.set(row.read_path, list);
  }
  return byPath;
}

/**
 * A key that appears more than once in one file with different values: every
 * copy is quarantined (which one is right cannot be known). Identical copies
 * are one row and all count as loaded. "Different" compares what would be
 * loaded, so two copies differing only in a never-stored column are identical.
 * The same key in two files of a batch is not a conflict: the later file wins.
 */
async function markConflictingDuplicates(staging: Sql, contract: ExtractContract): Promise<KeyRepeats> {
  const keys = contract.key.map(quotedIdentifier);
  // Most batches repeat no key: distinct key hashes settle that cheaply (a
  // hash collision can only make a repeat seem to exist, never hide one).
  const [hashes] = await staging.query<{ n: number; distinct_hashes: number }>(
    `SELECT count(*)::BIGINT AS n, count(DISTINCT hash(${keys.join(', ')}))::BIGINT AS distinct_hashes FROM staged WHERE ${LOADABLE}`,
  );
  if (Number(hashes?.n) === Number(hashes?.distinct_hashes)) return 'none';
  // Most repeats are a key re-sent in a later file, which is no conflict.
  await staging.run(
    `CREATE OR REPLACE TEMP TABLE repeated_keys AS
     SELECT ${keys.join(', ')}, count(*) AS copies, min(file_id) AS first_file, max(file_id) AS last_file
     FROM staged WHERE ${LOADABLE} GROUP BY ${keys.join(', ')} HAVING count(*) > 1`,
  );
  const [counts] = await staging.query<{ repeated: number; across: number; maybe_within: number }>(
    `SELECT count(*)::BIGINT AS repeated,
       count(*) FILTER (WHERE first_file <> last_file)::BIGINT AS across,
       count(*) FILTER (WHERE first_file = last_file OR copies > 2)::BIGINT AS maybe_within
     FROM repeated_keys`,
  );
  const repeats: KeyRepeats = !Number(counts?.repeated) ? 'none' : !Number(counts?.across) ? 'within_files' : 'across_files';
  if (!Number(counts?.maybe_within)) return repeats;
  const row = `{${landingColumns(contract).map((c) => `${quotedString(c.name)}: staged.${quotedIdentifier(stagedColumn(c))}`).join(', ')}}`;
  const shownKey = `concat_ws(' / ', ${keys.map((k) => `CAST(staged.${k} AS VARCHAR)`).join(', ')})`;
  const sameKey = (other: string) => keys.map((k) => `staged.${k} = ${other}.${k}`).join(' AND ');
  // Only the rows of repeated keys are compared.
  await staging.run(`
    UPDATE staged SET
      quarantine_column = ${quotedString(contract.key.join(', '))},
      quarantine_reason = ${quotedString(`has a ${contract.key.join(', ')} that appears more than once in this file with different values`)},
      quarantine_value = ${shownKey}
    FROM (
      SELECT staged.file_id, ${keys.map((k) => `staged.${k}`).join(', ')}
      FROM staged SEMI JOIN repeated_keys ON ${sameKey('repeated_keys')}
      WHERE ${LOADABLE.replaceAll('quarantine_reason', 'staged.quarantine_reason').replaceAll('skip_rule', 'staged.skip_rule')}
      GROUP BY ALL HAVING count(DISTINCT ${row}) > 1
    ) AS conflicts
    WHERE staged.quarantine_reason IS NULL AND staged.skip_rule IS NULL AND staged.file_id = conflicts.file_id AND ${sameKey('conflicts')}`);
  return repeats;
}

/** Whether a batch's keys repeat: not at all, only within a file, or across its files. */
type KeyRepeats = 'none' | 'within_files' | 'across_files';

async function isEmpty(warehouse: Warehouse, contract: ExtractContract): Promise<boolean> {
  const rows = await warehouse.query(`SELECT 1 FROM ${quotedIdentifier(contract.table)} LIMIT 1`);
  return rows.length === 0;
}

/** Quarantine rows name the raw file and line: the file's own, or the raw row an adapter's canonical row came from. */
async function stageQuarantine(warehouse: Warehouse, files: readonly ReadyFile[], byPath: Map<string, QuarantineRow[]>): Promise<void> {
  await warehouse.run(
    'CREATE OR REPLACE TEMP TABLE quarantine_batch (file VARCHAR, line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR)',
  );
  const appender = await warehouse.connection.createAppender('quarantine_batch', 'main', 'temp');
  for (const ready of files) {
    for (const row of byPath.get(ready.readPath) ?? []) {
      appender.appendVarchar(row.originFile ?? ready.file);
      appender.appendInteger(row.originLine ?? row.line);
      row.column === null ? appender.appendNull() : appender.appendVarchar(row.column);
      row.value === null ? appender.appendNull() : appender.appendVarchar(row.value);
      appender.appendVarchar(row.reason);
      appender.endRow();
    }
  }
  appender.closeSync();
}

/**
 * The rows that land, as the warehouse will read them: the loadable rows of
 * `staged` with the pseudonym in place of the MRN, each with its file and its
 * position among the file's accepted records. Written by the staging instance
 * into its private folder, readable by this user only. Uncompressed: the file
 * lives for one batch in the page cache, and compressing it costs more time
 * than it saves.
 */
async function writeLandingRows(staging: Sql, contract: ExtractContract, extents: Map<string, Extent>, path: string): Promise<void> {
  const pseudonymized = landingColumns(contract).find((c) => c.from.phi === 'pseudonymize');
  const landed = landingColumns(contract).map((c) => (c.from.phi === 'pseudonymize' ? `${PSEUDONYMS}.patient_key AS ${quotedIdentifier(c.name)}` : `staged.${quotedIdentifier(c.name)}`));
  // Positions count every accepted record, quarantined ones too: taken before the filter.
  await staging.run(`COPY (
  WITH positioned AS (SELECT *, ${positionSql(extents)} AS position FROM staged)
  SELECT ${[...landed, 'staged.file_id', 'staged.origin_file', 'staged.origin_line', 'staged.position'].join(', ')}
  FROM positioned AS staged
  ${pseudonymized ? `LEFT JOIN ${PSEUDONYMS} ON ${PSEUDONYMS}.patient_id = staged.${quotedIdentifier(stagedColumn(pseudonymized))}` : ''}
  WHERE staged.quarantine_reason IS NULL AND staged.skip_rule IS NULL
) TO ${quotedString(path)} (FORMAT parquet, COMPRESSION uncompressed)`);
  await chmod(path, 0o600);
}

/**
 * Later files replace earlier rows by key: a row's current value comes from
 * the greatest file name that holds its key, so a late-arriving older extract
 * adds the keys it alone has and overwrites nothing newer. Within a batch the
 * greatest file's copy of a key is the one landed (identical copies in one
 * file are one row). Each step is taken only when the batch needs it: ranking
 * copies costs a sort, and MERGE a join against the whole landing table.
 */
/**
 * @param landing the landing rows (writeLandingRows).
 * @param lineMapped some file of the batch needs its line map joined (see hasTrivialLines); most need none.
 */
function upsertSql(contract: ExtractContract, repeats: KeyRepeats, targetEmpty: boolean, runId: number, landing: string, lineMapped: boolean): string {
  const table = `${quotedIdentifier(contract.table)}`;
  const columns = [...landingColumns(contract).map((c) => c.name), ...LINEAGE_COLUMNS.map((c) => c.name)];
  const nonKey = columns.filter((c) => !contract.key.includes(c) && c !== 'first_loaded_at');
  const landed = landingColumns(contract).map((c) => `staged.${quotedIdentifier(c.name)}`);
  const keys = contract.key.map((k) => `staged.${quotedIdentifier(k)}`);
  const lineage = [
    'batch_files.source_name',
    'batch_files.source_delivery',
    'coalesce(staged.origin_file, batch_files.file) AS source_file',
    `coalesce(staged.origin_line, ${lineMapped ? 'batch_lines.line, ' : ''}CAST(staged.position AS INTEGER) + 2) AS source_line`,
    'batch_files.applied_order',
    'now() AS first_loaded_at',
    `${runId} AS ingest_run_id`,
  ];
  const incoming = `SELECT ${repeats === 'within_files' ? `DISTINCT ON (${keys.join(', ')}) ` : ''}${[...landed, ...lineage].join(', ')}
  FROM read_parquet(${quotedString(landing)}) AS staged JOIN batch_files USING (file_id)
  ${lineMapped ? 'LEFT JOIN temp.batch_lines ON batch_lines.file_id = staged.file_id AND batch_lines.position = staged.position' : ''}
  ${repeats === 'across_files' ? `QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY batch_files.applied_order DESC) = 1` : ''}`;
  if (targetEmpty) return `INSERT INTO ${table} (${columns.map(quotedIdentifier).join(', ')}) ${incoming}`;
  return `MERGE INTO ${table} AS target
USING (${incoming}) AS incoming
ON (${contract.key.map((k) => `target.${quotedIdentifier(k)} = incoming.${quotedIdentifier(k)}`).join(' AND ')})
WHEN MATCHED AND incoming.applied_order >= target.applied_order THEN UPDATE SET
  ${nonKey.map((c) => `${quotedIdentifier(c)} = incoming.${quotedIdentifier(c)}`).join(', ')}
WHEN NOT MATCHED THEN INSERT (${columns.map(quotedIdentifier).join(', ')}) VALUES (${columns.map((c) => `incoming.${quotedIdentifier(c)}`).join(', ')})`;
}

/**
 * A staged row's position among its file's accepted records (0-based): its
 * rowid less the file's first where the file's rows are contiguous, else
 * counted (the reader may interleave small files).
 */
function positionSql(extents: Map<string, Extent>): string {
  const interleaved = [...extents].filter(([, e]) => !e.contiguous).map(([path]) => `hash(${quotedString(path)})`);
  const firsts = [...extents].filter(([, e]) => e.contiguous).map(([path, e]) => `WHEN hash(${quotedString(path)}) THEN ${e.first}`);
  const contiguous = firsts.length ? `rowid - (CASE file_id ${firsts.join(' ')} END)` : 'NULL';
  if (interleaved.length === 0) return `(${contiguous})`;
  return `(CASE WHEN file_id IN (${interleaved.join(', ')}) THEN row_number() OVER (PARTITION BY file_id ORDER BY rowid) - 1 ELSE ${contiguous} END)`;
}

interface LoadIssue {
  file: string;
  column_name: string;
  reason: string;
  rows: number;
}

/** Optional values that did not parse were loaded as null: counted per file, column and reason (no value). */
async function loadIssues(staging: Sql, contract: ExtractContract): Promise<LoadIssue[]> {
  const optional = contract.columns.filter((c) => !c.required);
  if (optional.length === 0) return [];
  const perColumn = optional.map(
    (c) => `SELECT file_id, origin_file, ${quotedString(c.name)} AS column_name, ${quotedIdentifier(`${c.name}__problem`)} AS reason FROM staged
      WHERE ${LOADABLE} AND ${quotedIdentifier(`${c.name}__problem`)} IS NOT NULL`,
  );
  return staging.query<LoadIssue>(`SELECT coalesce(origin_file, batch_files.file) AS file, column_name, reason, count(*)::BIGINT AS rows
FROM (${perColumn.join('\nUNION ALL\n')}) AS issues JOIN batch_files USING (file_id)
GROUP BY ALL`);
}

function loadIssuesSql(contract: ExtractContract, issues: readonly LoadIssue[], runId: number): string {
  const rows = issues.map((i) => `(${[quotedString(i.file), quotedString(contract.kind), quotedString(i.column_name), quotedString(i.reason), Number(i.rows), runId].join(', ')})`);
  return `INSERT INTO load_issues VALUES ${rows.join(', ')}`;
}

function ingestedFilesSql(files: readonly { ready: ReadyFile; outcome: FileOutcome }[], runId: number): string {
  const rows = files.map(({ ready: f, outcome }) => {
    const loaded = outcome as Extract<FileOutcome, { status: 'loaded' }>;
    return `(${[
      quotedString(f.file),
      quotedString(f.sha256),
      quotedString(f.contract.kind),
      loaded.rowsRead,
      loaded.rowsLoaded,
      loaded.rowsQuarantined,
      loaded.rowsSkipped,
      loaded.rowsLoaded,
      'now()',
      f.sizeBytes,
      runId,
      f.modifiedMs,
      quotedString(f.lineage.source),
      quotedString(f.lineage.delivery),
    ].join(', ')})`;
  });
  return `INSERT INTO ingested_files BY NAME
SELECT * FROM (VALUES ${rows.join(',\n  ')})
  AS t(file, sha256, kind, rows_read, rows_loaded, rows_quarantined, rows_skipped, rows_emitted, ingested_at, size_bytes, run_id, modified_ms, source, delivery)`;
}

/** Rows skipped by a named rule (a feed's filter), per file and rule. */
function skippedRowsSql(files: readonly { ready: ReadyFile; outcome: FileOutcome }[], runId: number): string {
  const rows = files.flatMap(({ ready, outcome }) =>
    outcome.status === 'loaded' ? [...outcome.skippedByRule].map(([rule, n]) => `(${quotedString(ready.file)}, ${quotedString(ready.contract.kind)}, ${quotedString(rule)}, ${n}, ${runId})`) : [],
  );
  if (rows.length === 0) return 'SELECT 1';
  return `INSERT INTO skipped_rows BY NAME SELECT * FROM (VALUES ${rows.join(', ')}) AS t(file, kind, rule, rows, run_id)`;
}
