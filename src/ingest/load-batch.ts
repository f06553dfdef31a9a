// Loads a batch of prepared extract files of one kind and layout: every record
// read is loaded or quarantined, and the batch lands in one transaction with
// its files' ingested_files rows, so a warehouse killed at any moment holds
// each file wholly or not at all.
//
// One read_csv over the batch's files lets DuckDB's threads share the typing
// (one small file is read by one thread), and one MERGE per batch replaces a
// join against the whole landing table for every file.
import { landingColumns, LINEAGE_COLUMNS } from '../contracts/landing.ts';
import type { ExtractContract } from '../contracts/types.ts';
import { sqlString } from '../contracts/value-sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { FileOutcome, ReadyFile } from './prepare-file.ts';
import { type ContractReject, type QuarantineRow, quarantinedRecords, readerRejects, readerRejectsByPath } from './quarantine.ts';
import { REJECTS_SCAN_TABLE, REJECTS_TABLE, stagedColumn, stagingSql } from './staging-sql.ts';

/**
 * @param files prepared files of one layout, in order of name.
 */
export async function loadBatch(
  warehouse: Warehouse,
  files: readonly ReadyFile[],
  runId: number,
  onProgress?: (stage: string) => void,
): Promise<FileOutcome[]> {
  const first = files[0];
  if (!first) return [];
  const contract = first.contract;
  try {
    onProgress?.('reading and validating');
    await warehouse.run(`DROP TABLE IF EXISTS temp.${REJECTS_TABLE}; DROP TABLE IF EXISTS temp.${REJECTS_SCAN_TABLE};`);
    await warehouse.run(stagingSql(contract, first.header, first.feed, files.map((f) => f.readPath)));
    const repeats = await markConflictingDuplicates(warehouse, contract);
    await stageBatchFiles(warehouse, files);

    const rejectsByPath = await readerRejectsByPath(warehouse);
    const extents = await stagedExtents(warehouse);
    const contractRejects = await contractRejectsByPath(warehouse, extents);
    const quarantine = new Map<string, QuarantineRow[]>();
    const outcomes = files.map((ready): FileOutcome => {
      const rejected = readerRejects(rejectsByPath.get(ready.readPath) ?? [], ready.lines, ready.header);
      const staged = extents.get(ready.readPath)?.count ?? 0;
      if (staged + rejected.length !== ready.lines.records) {
        throw new Error(
          `${ready.file}: the CSV reader accounted for ${staged + rejected.length} records but the file holds ${ready.lines.records}; nothing of it was loaded`,
        );
      }
      const rows = [...rejected, ...ready.repairQuarantined, ...quarantinedRecords(contractRejects.get(ready.readPath) ?? [], ready.lines, rejected)];
      quarantine.set(ready.file, rows);
      const rowsRead = ready.lines.records + ready.repairQuarantined.length;
      return { status: 'loaded', file: ready.file, kind: contract.kind, rowsRead, rowsLoaded: rowsRead - rows.length, rowsQuarantined: rows.length };
    });

    onProgress?.('writing');
    await extendPseudonyms(warehouse, contract);
    await stageQuarantine(warehouse, quarantine);
    await warehouse.run('BEGIN TRANSACTION');
    try {
      await warehouse.run(upsertSql(contract, repeats, await isEmpty(warehouse, contract), runId));
      await warehouse.run(
        `INSERT INTO quarantine SELECT file, line, column_name, value, reason, ${sqlString(contract.kind)}, ${runId} FROM quarantine_batch ORDER BY file, line`,
      );
      await warehouse.run(loadIssuesSql(contract, runId));
      await warehouse.run(ingestedFilesSql(files, outcomes, runId));
      await warehouse.run('COMMIT');
    } catch (error) {
      await warehouse.run('ROLLBACK');
      throw error;
    }
    return outcomes;
  } finally {
    await warehouse.run('DROP TABLE IF EXISTS temp.staged; DROP TABLE IF EXISTS temp.quarantine_batch; DROP TABLE IF EXISTS temp.batch_files; DROP TABLE IF EXISTS temp.repeated_keys;');
    await Promise.all(files.map((f) => f.cleanup()));
  }
}

/**
 * The run's MRN → pseudonym pairs, kept in memory for the run (a temporary
 * table, never the warehouse): HMAC-SHA256 is the dearest step of typing a
 * row, and one patient's MRN comes in their referral, appointments and
 * visits, often re-sent. Bounded, so a very large run does not hold every
 * patient it has seen.
 */
export const PSEUDONYMS = 'temp.run_pseudonyms';
const PSEUDONYMS_KEPT = 2_000_000;

async function extendPseudonyms(warehouse: Warehouse, contract: ExtractContract): Promise<void> {
  const column = contract.columns.find((c) => c.phi === 'pseudonymize');
  if (!column) return;
  await warehouse.run(`CREATE TEMP TABLE IF NOT EXISTS run_pseudonyms (patient_id VARCHAR, patient_key VARCHAR)`);
  const [kept] = await warehouse.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${PSEUDONYMS}`);
  if (Number(kept?.n) > PSEUDONYMS_KEPT) await warehouse.run(`DELETE FROM ${PSEUDONYMS}`);
  await warehouse.run(`
    INSERT INTO ${PSEUDONYMS}
    SELECT patient_id, refloop_pseudonym(patient_id) FROM (
      SELECT DISTINCT "${column.name}" AS patient_id FROM staged WHERE quarantine_reason IS NULL AND "${column.name}" IS NOT NULL
    ) AS batch
    WHERE NOT EXISTS (SELECT 1 FROM ${PSEUDONYMS} AS seen WHERE seen.patient_id = batch.patient_id)`);
}

/**
 * Which inbox file each read path is, for the lineage columns and the per-file
 * counts. staged names each row's file by the hash of its path (see staging-sql.ts).
 */
async function stageBatchFiles(warehouse: Warehouse, files: readonly ReadyFile[]): Promise<void> {
  await warehouse.run(
    `CREATE OR REPLACE TEMP TABLE batch_files AS
     SELECT read_path, file, hash(read_path) AS file_id
     FROM (VALUES ${files.map((f) => `(${sqlString(f.readPath)}, ${sqlString(f.file)})`).join(', ')}) AS t(read_path, file)`,
  );
  const [ids] = await warehouse.query<{ n: number; ids: number }>('SELECT count(*)::INTEGER AS n, count(DISTINCT file_id)::INTEGER AS ids FROM batch_files');
  if (ids?.n !== ids?.ids) throw new Error('two files of the batch have paths with the same hash; load them in separate runs');
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
async function stagedExtents(warehouse: Warehouse): Promise<Map<string, Extent>> {
  const rows = await warehouse.query<{ read_path: string; first: number; last: number; n: number }>(
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

async function contractRejectsByPath(warehouse: Warehouse, extents: Map<string, Extent>): Promise<Map<string, ContractReject[]>> {
  const interleaved = [...extents].filter(([, extent]) => !extent.contiguous).map(([path]) => `hash(${sqlString(path)})`);
  // Counting a row's place in its file costs a sort, so only the interleaved files pay it.
  const position = interleaved.length
    ? `CASE WHEN file_id IN (${interleaved.join(', ')}) THEN row_number() OVER (PARTITION BY file_id ORDER BY rowid) - 1 END`
    : 'NULL';
  const rows = await warehouse.query<{ read_path: string; row_id: number; counted: number | null; column: string; reason: string; value: string | null }>(
    `SELECT batch_files.read_path, rejects.* EXCLUDE (file_id) FROM (
       SELECT file_id, rowid::BIGINT AS row_id, (${position})::BIGINT AS counted,
         quarantine_column AS "column", quarantine_reason AS reason, quarantine_value AS value
       FROM staged WHERE quarantine_reason IS NOT NULL${interleaved.length ? ` OR file_id IN (${interleaved.join(', ')})` : ''}
     ) AS rejects JOIN batch_files USING (file_id) WHERE reason IS NOT NULL ORDER BY read_path, row_id`,
  );
  const byPath = new Map<string, ContractReject[]>();
  for (const row of rows) {
    const list = byPath.get(row.read_path) ?? [];
    const position = row.counted ?? Number(row.row_id) - extents.get(row.read_path)!.first;
    list.push({ position: Number(position), column: row.column, reason: row.reason, value: row.value });
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
async function markConflictingDuplicates(warehouse: Warehouse, contract: ExtractContract): Promise<KeyRepeats> {
  const keys = contract.key.map((k) => `"${k}"`);
  // Most batches repeat no key: distinct key hashes settle that cheaply (a
  // hash collision can only make a repeat seem to exist, never hide one).
  const [hashes] = await warehouse.query<{ n: number; distinct_hashes: number }>(
    `SELECT count(*)::BIGINT AS n, count(DISTINCT hash(${keys.join(', ')}))::BIGINT AS distinct_hashes FROM staged WHERE quarantine_reason IS NULL`,
  );
  if (Number(hashes?.n) === Number(hashes?.distinct_hashes)) return 'none';
  // Most repeats are a key re-sent in a later file, which is no conflict.
  await warehouse.run(
    `CREATE OR REPLACE TEMP TABLE repeated_keys AS
     SELECT ${keys.join(', ')}, count(*) AS copies, min(file_id) AS first_file, max(file_id) AS last_file
     FROM staged WHERE quarantine_reason IS NULL GROUP BY ${keys.join(', ')} HAVING count(*) > 1`,
  );
  const [counts] = await warehouse.query<{ repeated: number; across: number; maybe_within: number }>(
    `SELECT count(*)::BIGINT AS repeated,
       count(*) FILTER (WHERE first_file <> last_file)::BIGINT AS across,
       count(*) FILTER (WHERE first_file = last_file OR copies > 2)::BIGINT AS maybe_within
     FROM repeated_keys`,
  );
  const repeats: KeyRepeats = !Number(counts?.repeated) ? 'none' : !Number(counts?.across) ? 'within_files' : 'across_files';
  if (!Number(counts?.maybe_within)) return repeats;
  const row = `{${landingColumns(contract).map((c) => `'${c.name}': staged."${stagedColumn(c)}"`).join(', ')}}`;
  const shownKey = `concat_ws(' / ', ${keys.map((k) => `CAST(staged.${k} AS VARCHAR)`).join(', ')})`;
  const sameKey = (other: string) => keys.map((k) => `staged.${k} = ${other}.${k}`).join(' AND ');
  // Only the rows of repeated keys are compared.
  await warehouse.run(`
    UPDATE staged SET
      quarantine_column = ${sqlString(contract.key.join(', '))},
      quarantine_reason = ${sqlString(`has a ${contract.key.join(', ')} that appears more than once in this file with different values`)},
      quarantine_value = ${shownKey}
    FROM (
      SELECT staged.file_id, ${keys.map((k) => `staged.${k}`).join(', ')}
      FROM staged SEMI JOIN repeated_keys ON ${sameKey('repeated_keys')}
      WHERE staged.quarantine_reason IS NULL
      GROUP BY ALL HAVING count(DISTINCT ${row}) > 1
    ) AS conflicts
    WHERE staged.quarantine_reason IS NULL AND staged.file_id = conflicts.file_id AND ${sameKey('conflicts')}`);
  return repeats;
}

/** Whether a batch's keys repeat: not at all, only within a file, or across its files. */
type KeyRepeats = 'none' | 'within_files' | 'across_files';

async function isEmpty(warehouse: Warehouse, contract: ExtractContract): Promise<boolean> {
  const rows = await warehouse.query(`SELECT 1 FROM "${contract.table}" LIMIT 1`);
  return rows.length === 0;
}

async function stageQuarantine(warehouse: Warehouse, byFile: Map<string, QuarantineRow[]>): Promise<void> {
  await warehouse.run(
    'CREATE OR REPLACE TEMP TABLE quarantine_batch (file VARCHAR, line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR)',
  );
  const appender = await warehouse.connection.createAppender('quarantine_batch', 'main', 'temp');
  for (const [file, rows] of byFile) {
    for (const row of rows) {
      appender.appendVarchar(file);
      appender.appendInteger(row.line);
      row.column === null ? appender.appendNull() : appender.appendVarchar(row.column);
      row.value === null ? appender.appendNull() : appender.appendVarchar(row.value);
      appender.appendVarchar(row.reason);
      appender.endRow();
    }
  }
  appender.closeSync();
}

/**
 * Later files replace earlier rows by key: a row's current value comes from
 * the greatest file name that holds its key, so a late-arriving older extract
 * adds the keys it alone has and overwrites nothing newer. Within a batch the
 * greatest file's copy of a key is the one landed (identical copies in one
 * file are one row). Each step is taken only when the batch needs it: ranking
 * copies costs a sort, and MERGE a join against the whole landing table.
 */
function upsertSql(contract: ExtractContract, repeats: KeyRepeats, targetEmpty: boolean, runId: number): string {
  const table = `"${contract.table}"`;
  const columns = [...landingColumns(contract).map((c) => c.name), ...LINEAGE_COLUMNS.map((c) => c.name)];
  const nonKey = columns.filter((c) => !contract.key.includes(c));
  const pseudonymized = landingColumns(contract).find((c) => c.from.phi === 'pseudonymize');
  const landed = landingColumns(contract).map((c) => (c.from.phi === 'pseudonymize' ? `${PSEUDONYMS}.patient_key AS "${c.name}"` : `staged."${c.name}"`));
  const keys = contract.key.map((k) => `staged."${k}"`);
  const incoming = `SELECT ${repeats === 'within_files' ? `DISTINCT ON (${keys.join(', ')}) ` : ''}${landed.join(', ')}, batch_files.file AS source_file, ${runId} AS ingest_run_id
  FROM staged JOIN batch_files USING (file_id)
  ${pseudonymized ? `LEFT JOIN ${PSEUDONYMS} ON ${PSEUDONYMS}.patient_id = staged."${stagedColumn(pseudonymized)}"` : ''}
  WHERE staged.quarantine_reason IS NULL
  ${repeats === 'across_files' ? `QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY batch_files.file DESC) = 1` : ''}`;
  if (targetEmpty) return `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) ${incoming}`;
  return `MERGE INTO ${table} AS target
USING (${incoming}) AS incoming
ON (${contract.key.map((k) => `target."${k}" = incoming."${k}"`).join(' AND ')})
WHEN MATCHED AND incoming.source_file >= target.source_file THEN UPDATE SET
  ${nonKey.map((c) => `"${c}" = incoming."${c}"`).join(', ')}
WHEN NOT MATCHED THEN INSERT (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `incoming."${c}"`).join(', ')})`;
}

/** Optional values that did not parse were loaded as null: count them per file, column and reason. */
function loadIssuesSql(contract: ExtractContract, runId: number): string {
  const optional = contract.columns.filter((c) => !c.required);
  if (optional.length === 0) return 'SELECT 1';
  const perColumn = optional.map(
    (c) => `SELECT file_id, '${c.name}' AS column_name, "${c.name}__problem" AS reason FROM staged
      WHERE quarantine_reason IS NULL AND "${c.name}__problem" IS NOT NULL`,
  );
  return `INSERT INTO load_issues
SELECT batch_files.file, ${sqlString(contract.kind)}, column_name, reason, count(*), ${runId}
FROM (${perColumn.join('\nUNION ALL\n')}) AS issues JOIN batch_files USING (file_id)
GROUP BY batch_files.file, column_name, reason`;
}

function ingestedFilesSql(files: readonly ReadyFile[], outcomes: readonly FileOutcome[], runId: number): string {
  const rows = files.map((f, i) => {
    const outcome = outcomes[i] as Extract<FileOutcome, { status: 'loaded' }>;
    return `(${[
      sqlString(f.file),
      sqlString(f.sha256),
      sqlString(f.contract.kind),
      outcome.rowsRead,
      outcome.rowsLoaded,
      outcome.rowsQuarantined,
      'now()',
      f.sizeBytes,
      runId,
      f.modifiedMs,
    ].join(', ')})`;
  });
  return `INSERT INTO ingested_files BY NAME
SELECT * FROM (VALUES ${rows.join(',\n  ')})
  AS t(file, sha256, kind, rows_read, rows_loaded, rows_quarantined, ingested_at, size_bytes, run_id, modified_ms)`;
}
