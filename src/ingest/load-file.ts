// Loads one extract file: every record read is loaded or quarantined, and the
// file lands in one transaction with its ingested_files row, so a warehouse
// killed at any moment holds it wholly or not at all.
import { basename } from 'node:path';
import type { FeedConfig } from '../config/schema.ts';
import { landingColumns, LINEAGE_COLUMNS } from '../contracts/landing.ts';
import type { ExtractContract } from '../contracts/types.ts';
import { sqlString } from '../contracts/value-sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { HeaderError, mapHeader } from './header.ts';
import { needsQuotingRepair, repairQuoting } from './quoting-repair.ts';
import { type QuarantineRow, quarantinedRecords, readerRejects } from './quarantine.ts';
import { scanFile, type ScanResult } from './record-scanner.ts';
import { REJECTS_SCAN_TABLE, REJECTS_TABLE, stagingSql } from './staging-sql.ts';

export interface LoadRequest {
  path: string;
  contract: ExtractContract;
  feed: FeedConfig | undefined;
  runId: number;
  sizeBytes: number;
  modifiedMs: number;
  onProgress?: (stage: string, fraction?: number) => void;
}

export type FileOutcome =
  | { status: 'loaded'; file: string; kind: string; rowsRead: number; rowsLoaded: number; rowsQuarantined: number }
  | { status: 'already_loaded'; file: string; kind: string; sameAs: string }
  | { status: 'refused'; file: string; kind: string; reason: string };

export async function loadFile(warehouse: Warehouse, request: LoadRequest): Promise<FileOutcome> {
  const file = basename(request.path);
  const kind = request.contract.kind;
  // A file already loaded under this name, size and modification time is not
  // read again: an unchanged inbox costs nothing, and a day's run reads only
  // the day's files. Changed or renamed content is still caught by its hash.
  const unchanged = await warehouse.query<{ file: string }>(
    'SELECT file FROM ingested_files WHERE file = $file AND size_bytes = $size AND modified_ms = $modified',
    { file, size: request.sizeBytes, modified: request.modifiedMs },
  );
  if (unchanged[0]) return { status: 'already_loaded', file, kind, sameAs: file };
  let scannedBytes = 0;
  const scan = await scanFile(request.path, (n) => {
    scannedBytes += n;
    request.onProgress?.('counting records', scannedBytes / Math.max(1, request.sizeBytes));
  });
  const seen = await warehouse.query<{ file: string }>('SELECT file FROM ingested_files WHERE sha256 = $sha', { sha: scan.sha256 });
  if (seen[0]) return { status: 'already_loaded', file, kind, sameAs: seen[0].file };

  if (scan.mixedLineEnds) {
    const { line, first, then } = scan.mixedLineEnds;
    return { status: 'refused', file, kind, reason: `line ${line} ends with ${then} but earlier lines end with ${first}; a file must use one line end throughout` };
  }
  let header;
  try {
    header = mapHeader(scan.header, request.contract, request.feed);
  } catch (error) {
    if (error instanceof HeaderError) return { status: 'refused', file, kind, reason: error.message };
    throw error;
  }

  const repair = needsQuotingRepair(scan) ? await repairQuoting(request.path, scan) : undefined;
  try {
    const lines: ScanResult = repair?.scan ?? scan;
    const readPath = repair?.path ?? request.path;
    request.onProgress?.('reading and validating');
    await warehouse.run(`DROP TABLE IF EXISTS temp.${REJECTS_TABLE}; DROP TABLE IF EXISTS temp.${REJECTS_SCAN_TABLE};`);
    await warehouse.run(stagingSql(request.contract, header, request.feed, readPath));
    await markConflictingDuplicates(warehouse, request.contract);

    const rejected = await readerRejects(warehouse, lines, header);
    const staged = await countStaged(warehouse);
    if (staged + rejected.length !== lines.records) {
      throw new Error(
        `${file}: the CSV reader accounted for ${staged + rejected.length} records but the file holds ${lines.records}; nothing of it was loaded`,
      );
    }
    const quarantine: QuarantineRow[] = [
      ...rejected,
      ...(repair?.quarantined ?? []),
      ...(await quarantinedRecords(warehouse, lines, rejected)),
    ];
    const rowsRead = lines.records + (repair?.quarantined.length ?? 0);
    const rowsQuarantined = quarantine.length;
    const rowsLoaded = rowsRead - rowsQuarantined;
    request.onProgress?.('writing');
    await stageQuarantine(warehouse, quarantine);
    await warehouse.run('BEGIN TRANSACTION');
    try {
      await warehouse.run(upsertSql(request.contract, file, request.runId));
      await warehouse.run(`INSERT INTO quarantine SELECT ${sqlString(file)}, line, column_name, value, reason, ${sqlString(kind)}, ${request.runId} FROM quarantine_batch ORDER BY line`);
      await warehouse.run(loadIssuesSql(request.contract, file, request.runId));
      await warehouse.run(
        `INSERT INTO ingested_files BY NAME SELECT ${sqlString(file)} AS file, ${sqlString(scan.sha256)} AS sha256, ${sqlString(kind)} AS kind,
           ${rowsRead} AS rows_read, ${rowsLoaded} AS rows_loaded, ${rowsQuarantined} AS rows_quarantined, now() AS ingested_at,
           ${request.sizeBytes} AS size_bytes, ${request.runId} AS run_id, ${request.modifiedMs} AS modified_ms`,
      );
      await warehouse.run('COMMIT');
    } catch (error) {
      await warehouse.run('ROLLBACK');
      throw error;
    }
    return { status: 'loaded', file, kind, rowsRead, rowsLoaded, rowsQuarantined };
  } finally {
    await warehouse.run('DROP TABLE IF EXISTS temp.staged; DROP TABLE IF EXISTS temp.quarantine_batch;');
    await repair?.cleanup();
  }
}

async function countStaged(warehouse: Warehouse): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>('SELECT count(*)::BIGINT AS n FROM staged');
  return Number(row?.n ?? 0);
}

/**
 * A key that appears more than once in one file with different values: every
 * copy is quarantined (which one is right cannot be known). Identical copies
 * are one row and all count as loaded. "Different" compares what would be
 * loaded, so two copies differing only in a never-stored column are identical.
 */
async function markConflictingDuplicates(warehouse: Warehouse, contract: ExtractContract): Promise<void> {
  const keys = contract.key.map((k) => `"${k}"`);
  // Most files repeat no key: a cheap count settles it before any comparison.
  const [repeats] = await warehouse.query<{ n: number }>(
    `SELECT (count(*) - count(DISTINCT (${keys.join(', ')})))::BIGINT AS n FROM staged WHERE quarantine_reason IS NULL`,
  );
  if (!Number(repeats?.n)) return;
  const row = `{${landingColumns(contract).map((c) => `'${c.name}': "${c.name}"`).join(', ')}}`;
  const shownKey = `concat_ws(' / ', ${keys.map((k) => `CAST(staged.${k} AS VARCHAR)`).join(', ')})`;
  await warehouse.run(`
    UPDATE staged SET
      quarantine_column = ${sqlString(contract.key.join(', '))},
      quarantine_reason = ${sqlString(`has a ${contract.key.join(', ')} that appears more than once in this file with different values`)},
      quarantine_value = ${shownKey}
    FROM (
      SELECT ${keys.join(', ')} FROM staged WHERE quarantine_reason IS NULL
      GROUP BY ALL HAVING count(DISTINCT ${row}) > 1
    ) AS conflicts
    WHERE staged.quarantine_reason IS NULL AND ${keys.map((k) => `staged.${k} = conflicts.${k}`).join(' AND ')}`);
}

async function stageQuarantine(warehouse: Warehouse, rows: QuarantineRow[]): Promise<void> {
  await warehouse.run(
    'CREATE OR REPLACE TEMP TABLE quarantine_batch (line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR)',
  );
  const appender = await warehouse.connection.createAppender('quarantine_batch', 'main', 'temp');
  for (const row of rows) {
    appender.appendInteger(row.line);
    row.column === null ? appender.appendNull() : appender.appendVarchar(row.column);
    row.value === null ? appender.appendNull() : appender.appendVarchar(row.value);
    appender.appendVarchar(row.reason);
    appender.endRow();
  }
  appender.closeSync();
}

/**
 * Later files replace earlier rows by key: a row's current value comes from
 * the greatest file name that holds its key, so a late-arriving older extract
 * adds the keys it alone has and overwrites nothing newer.
 */
function upsertSql(contract: ExtractContract, file: string, runId: number): string {
  const table = `"${contract.table}"`;
  const columns = [...landingColumns(contract).map((c) => c.name), ...LINEAGE_COLUMNS.map((c) => c.name)];
  const nonKey = columns.filter((c) => !contract.key.includes(c));
  const landed = landingColumns(contract).map((c) => `"${c.name}"`);
  const keys = contract.key.map((k) => `"${k}"`);
  return `MERGE INTO ${table} AS target
USING (
  SELECT DISTINCT ON (${keys.join(', ')}) ${landed.join(', ')}, ${sqlString(file)} AS source_file, ${runId} AS ingest_run_id
  FROM staged WHERE quarantine_reason IS NULL
) AS incoming
ON (${keys.map((k) => `target.${k} = incoming.${k}`).join(' AND ')})
WHEN MATCHED AND incoming.source_file >= target.source_file THEN UPDATE SET
  ${nonKey.map((c) => `"${c}" = incoming."${c}"`).join(', ')}
WHEN NOT MATCHED THEN INSERT (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `incoming."${c}"`).join(', ')})`;
}

/** Optional values that did not parse were loaded as null: count them per column and reason. */
function loadIssuesSql(contract: ExtractContract, file: string, runId: number): string {
  const optional = contract.columns.filter((c) => !c.required);
  if (optional.length === 0) return 'SELECT 1';
  const perColumn = optional.map(
    (c) => `SELECT '${c.name}' AS column_name, "${c.name}__problem" AS reason FROM staged
      WHERE quarantine_reason IS NULL AND "${c.name}__problem" IS NOT NULL`,
  );
  return `INSERT INTO load_issues
SELECT ${sqlString(file)}, ${sqlString(contract.kind)}, column_name, reason, count(*), ${runId}
FROM (${perColumn.join('\nUNION ALL\n')}) GROUP BY column_name, reason`;
}
