// The warehouse's own tables: landing tables from the contracts, and the
// bookkeeping every run writes (runs, ingested_files, quarantine, load_issues).
// Created once per schema version, in one transaction, then checkpointed, so
// no DDL is ever replayed from the WAL of a load.
import { CONTRACTS } from '../contracts/extracts.ts';
import { LINEAGE_COLUMNS, landingColumns } from '../contracts/landing.ts';
import { sqlString } from '../contracts/value-sql.ts';

export const SCHEMA_VERSION = '3';

export interface TableSpec {
  name: string;
  comment: string;
  columns: { name: string; sqlType: string; comment: string }[];
  primaryKey?: readonly string[];
}

const SYSTEM_TABLES: TableSpec[] = [
  {
    name: 'warehouse_meta',
    comment: 'Facts about this warehouse: schema version, pseudonym key fingerprint.',
    columns: [
      { name: 'key', sqlType: 'VARCHAR', comment: 'Name of the fact.' },
      { name: 'value', sqlType: 'VARCHAR', comment: 'Its value.' },
    ],
    primaryKey: ['key'],
  },
  {
    name: 'runs',
    comment: 'One row per run of a refloop job (ingest, transform, publish).',
    columns: [
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run.' },
      { name: 'job', sqlType: 'VARCHAR', comment: 'ingest, transform, run or publish.' },
      { name: 'trigger', sqlType: 'VARCHAR', comment: 'manual, schedule or catch-up.' },
      { name: 'pid', sqlType: 'INTEGER', comment: 'Process id of the run.' },
      { name: 'started_at', sqlType: 'TIMESTAMPTZ', comment: 'When the run started.' },
      { name: 'finished_at', sqlType: 'TIMESTAMPTZ', comment: 'When it finished, also on failure; null while running or if the process died.' },
      { name: 'status', sqlType: 'VARCHAR', comment: 'running, succeeded or failed.' },
      { name: 'files', sqlType: 'INTEGER', comment: 'Extract files loaded.' },
      { name: 'files_refused', sqlType: 'INTEGER', comment: 'Extract files refused whole (left in the inbox).' },
      { name: 'rows_read', sqlType: 'BIGINT', comment: 'Records read from the loaded files.' },
      { name: 'rows_loaded', sqlType: 'BIGINT', comment: 'Records loaded.' },
      { name: 'rows_quarantined', sqlType: 'BIGINT', comment: 'Records quarantined.' },
      { name: 'checks_failed', sqlType: 'INTEGER', comment: 'Data checks that fired.' },
      { name: 'error', sqlType: 'VARCHAR', comment: 'Why the run failed (no PHI).' },
    ],
    primaryKey: ['run_id'],
  },
  {
    name: 'ingested_files',
    comment: 'One row per extract file loaded; rows_read = rows_loaded + rows_quarantined.',
    columns: [
      { name: 'file', sqlType: 'VARCHAR', comment: 'File name in the inbox.' },
      { name: 'sha256', sqlType: 'VARCHAR', comment: 'SHA-256 of the decompressed bytes: the same content under another name is not loaded again.' },
      { name: 'kind', sqlType: 'VARCHAR', comment: 'Extract kind, from the file name.' },
      { name: 'rows_read', sqlType: 'BIGINT', comment: 'Records in the file (header excluded).' },
      { name: 'rows_loaded', sqlType: 'BIGINT', comment: 'Records loaded (identical copies of one key count as loaded).' },
      { name: 'rows_quarantined', sqlType: 'BIGINT', comment: 'Records set aside in quarantine.' },
      { name: 'ingested_at', sqlType: 'TIMESTAMPTZ', comment: 'When the file was loaded.' },
      { name: 'size_bytes', sqlType: 'BIGINT', comment: 'Size of the file as it lay in the inbox.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that loaded it.' },
      { name: 'modified_ms', sqlType: 'BIGINT', comment: 'Modification time of the file (ms since 1970): with name and size, lets an unchanged file be skipped unread.' },
    ],
    primaryKey: ['sha256'],
  },
  {
    name: 'quarantine',
    comment: 'One row per rejected record, with its first problem; PHI values are withheld.',
    columns: [
      { name: 'file', sqlType: 'VARCHAR', comment: 'File name.' },
      { name: 'line', sqlType: 'INTEGER', comment: 'Physical line where the record starts (the header is line 1).' },
      { name: 'column_name', sqlType: 'VARCHAR', comment: 'The column with the problem; null for a record that is not valid CSV.' },
      { name: 'value', sqlType: 'VARCHAR', comment: 'The offending value; null when it is PHI or the record could not be split into fields.' },
      { name: 'reason', sqlType: 'VARCHAR', comment: 'What is wrong.' },
      { name: 'kind', sqlType: 'VARCHAR', comment: 'Extract kind.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that read it.' },
    ],
  },
  {
    name: 'load_issues',
    comment: 'Problems in optional values that were loaded as null (or their default): counts per file, column and reason.',
    columns: [
      { name: 'file', sqlType: 'VARCHAR', comment: 'File name.' },
      { name: 'kind', sqlType: 'VARCHAR', comment: 'Extract kind.' },
      { name: 'column_name', sqlType: 'VARCHAR', comment: 'The column.' },
      { name: 'reason', sqlType: 'VARCHAR', comment: 'What was wrong with the values.' },
      { name: 'rows', sqlType: 'BIGINT', comment: 'Records with this problem.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that read them.' },
    ],
  },
  {
    name: 'model_runs',
    comment: 'One row per model built by a transform run: rows and time taken.',
    columns: [
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run.' },
      { name: 'model', sqlType: 'VARCHAR', comment: 'The model (a view or table of that name).' },
      { name: 'layer', sqlType: 'VARCHAR', comment: 'staging, intermediate or marts.' },
      { name: 'rows', sqlType: 'BIGINT', comment: 'Rows in the model after the build.' },
      { name: 'seconds', sqlType: 'DOUBLE', comment: 'Time to build it.' },
    ],
  },
  {
    name: 'check_results',
    comment: 'One row per data check per transform run: how many rows failed it, and what to do when it fires.',
    columns: [
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run.' },
      { name: 'check_name', sqlType: 'VARCHAR', comment: 'The check.' },
      { name: 'model', sqlType: 'VARCHAR', comment: 'The model or table it checks.' },
      { name: 'severity', sqlType: 'VARCHAR', comment: 'error (stops the publish) or warn.' },
      { name: 'failing_rows', sqlType: 'BIGINT', comment: 'Rows the check returned (0 = passed).' },
      { name: 'passed', sqlType: 'BOOLEAN', comment: 'No failing rows.' },
      { name: 'what_to_do', sqlType: 'VARCHAR', comment: 'What to do when it fires.' },
    ],
  },
];

/**
 * Landing tables carry no PRIMARY KEY: an index made bulk loads about twice
 * as slow (upsert and commit dominated ingest). Keys stay unique by
 * construction: a file's rows are one per key, and MERGE updates a key that
 * exists instead of inserting it (see load-batch.ts).
 */
function landingTables(): TableSpec[] {
  return CONTRACTS.map((contract) => ({
    name: contract.table,
    comment: `${contract.grain} Landed from the ${contract.kind} extracts, PHI removed. Key: ${contract.key.join(', ')}.`,
    columns: [...landingColumns(contract), ...LINEAGE_COLUMNS],
  }));
}

/** Changes for warehouses made by an earlier schema version (CREATE TABLE IF NOT EXISTS leaves them as they were). */
const MIGRATIONS = ['ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS modified_ms BIGINT;'];

export function schemaSql(): string {
  return [...[...SYSTEM_TABLES, ...landingTables()].map((table) => tableSql(table)), ...MIGRATIONS].join('\n');
}

/** The table with its comments; `replace` rebuilds it (for tables a run rewrites whole). */
export function tableSql(table: TableSpec, options: { replace?: boolean } = {}): string {
  const columns = table.columns.map((c) => `  "${c.name}" ${c.sqlType}`);
  if (table.primaryKey) columns.push(`  PRIMARY KEY (${table.primaryKey.map((k) => `"${k}"`).join(', ')})`);
  const comments = table.columns.map((c) => `COMMENT ON COLUMN "${table.name}"."${c.name}" IS ${sqlString(c.comment)};`);
  return [
    `${options.replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS'} "${table.name}" (\n${columns.join(',\n')}\n);`,
    `COMMENT ON TABLE "${table.name}" IS ${sqlString(table.comment)};`,
    ...comments,
  ].join('\n');
}
