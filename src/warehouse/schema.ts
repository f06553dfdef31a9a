// The warehouse's own tables: landing tables from the contracts, and the
// bookkeeping every run writes (runs, ingested_files, redeliveries,
// quarantine, load_issues).
// Created once per schema version, in one transaction, then checkpointed, so
// no DDL is ever replayed from the WAL of a load.
import { CONTRACTS } from '../contracts/extracts.ts';
import { LINEAGE_COLUMNS, landingColumns } from '../contracts/landing.ts';
import { sqlString } from '../contracts/value-sql.ts';

export const SCHEMA_VERSION = '5';

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
      { name: 'rows_skipped', sqlType: 'BIGINT', comment: 'Records skipped by a named rule (a feed filter, an adapter rule).' },
      { name: 'rows_quarantined', sqlType: 'BIGINT', comment: 'Records quarantined.' },
      { name: 'checks_failed', sqlType: 'INTEGER', comment: 'Data checks that fired.' },
      { name: 'error', sqlType: 'VARCHAR', comment: 'Why the run failed (no PHI).' },
    ],
    primaryKey: ['run_id'],
  },
  {
    name: 'ingested_files',
    comment:
      'One row per file loaded as one kind (a canonical extract, a vendor report, or a raw file of a delivery): rows_read = rows_loaded + rows_skipped + rows_quarantined.',
    columns: [
      { name: 'file', sqlType: 'VARCHAR', comment: 'The file, relative to the inbox.' },
      { name: 'sha256', sqlType: 'VARCHAR', comment: 'SHA-256 of the decompressed bytes: the same content under another name is not loaded again as the same kind (see redeliveries).' },
      { name: 'kind', sqlType: 'VARCHAR', comment: 'Extract kind it was loaded as; for a raw file of a delivery, the adapter (epic-ehi, fhir-r4, nppes).' },
      { name: 'rows_read', sqlType: 'BIGINT', comment: 'Records (rows, resources) in the file, the header excluded.' },
      { name: 'rows_loaded', sqlType: 'BIGINT', comment: 'Records loaded (identical copies of one key count as loaded); for a raw file, those that gave at least one loaded canonical row.' },
      { name: 'rows_quarantined', sqlType: 'BIGINT', comment: 'Records set aside in quarantine (for a raw file: every canonical row it gave was quarantined, or it could not be read).' },
      { name: 'rows_skipped', sqlType: 'BIGINT', comment: 'Records skipped by a named rule (a feed filter, an adapter rule): see skipped_rows.' },
      { name: 'rows_emitted', sqlType: 'BIGINT', comment: 'Records that gave at least one loaded canonical row (equal to rows_loaded).' },
      { name: 'ingested_at', sqlType: 'TIMESTAMPTZ', comment: 'When the file was loaded.' },
      { name: 'size_bytes', sqlType: 'BIGINT', comment: 'Size of the file as it lay in the inbox.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that loaded it.' },
      { name: 'modified_ms', sqlType: 'BIGINT', comment: 'Modification time of the file (ms since 1970): with name and size, lets an unchanged file be skipped unread.' },
      { name: 'source', sqlType: 'VARCHAR', comment: "The source it came from (config sources[].name; 'inbox' without sources)." },
      { name: 'delivery', sqlType: 'VARCHAR', comment: 'The delivery it belongs to (a delivery folder, or the file itself).' },
      { name: 'delivery_sha256', sqlType: 'VARCHAR', comment: 'For a raw file of a delivery: the hash of the whole delivery (see deliveries).' },
    ],
  },
  {
    name: 'redeliveries',
    comment:
      'One row per file (or delivery) that arrived under a new name with content already loaded, from the first run that saw it: nothing of it is loaded again, but its feed was delivered, and freshness counts it.',
    columns: [
      { name: 'file', sqlType: 'VARCHAR', comment: 'The file as it arrived, relative to the inbox; for a delivery, its folder.' },
      { name: 'kind', sqlType: 'VARCHAR', comment: 'Extract kind it was read as; for a delivery, the adapter (epic-ehi, fhir-r4, nppes).' },
      { name: 'same_as', sqlType: 'VARCHAR', comment: 'The file already loaded with the same content (for a delivery: source/delivery of the one it repeats).' },
      { name: 'kinds', sqlType: 'VARCHAR[]', comment: 'The extract kinds it brings up to date: its kind for a file; for a delivery, the kinds the delivery it repeats landed.' },
      { name: 'source', sqlType: 'VARCHAR', comment: 'The source it came from (config sources[].name).' },
      { name: 'delivery', sqlType: 'VARCHAR', comment: 'The delivery it belongs to (a delivery folder, or the file itself).' },
      { name: 'size_bytes', sqlType: 'BIGINT', comment: 'Size of the file as it lay in the inbox; null for a delivery.' },
      { name: 'modified_ms', sqlType: 'BIGINT', comment: 'Modification time of the file (ms since 1970); null for a delivery.' },
      { name: 'arrived_at', sqlType: 'TIMESTAMPTZ', comment: 'When an ingest found it.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that found it.' },
    ],
  },
  {
    name: 'deliveries',
    comment: 'One row per delivery of a table adapter (a folder of Epic tables, a FHIR export) loaded whole.',
    columns: [
      { name: 'source', sqlType: 'VARCHAR', comment: 'The source (config sources[].name).' },
      { name: 'adapter', sqlType: 'VARCHAR', comment: 'epic-ehi, fhir-r4 or nppes.' },
      { name: 'delivery', sqlType: 'VARCHAR', comment: 'The delivery folder (relative to the source path).' },
      { name: 'sha256', sqlType: 'VARCHAR', comment: 'Hash of every file name and content of the delivery: the same delivery is not loaded twice.' },
      { name: 'files', sqlType: 'INTEGER', comment: 'Raw files read.' },
      { name: 'rows_read', sqlType: 'BIGINT', comment: 'Raw rows read, over its files.' },
      { name: 'rows_loaded', sqlType: 'BIGINT', comment: 'Raw rows that gave a loaded canonical row.' },
      { name: 'rows_skipped', sqlType: 'BIGINT', comment: 'Raw rows skipped by a named rule.' },
      { name: 'rows_quarantined', sqlType: 'BIGINT', comment: 'Raw rows quarantined.' },
      { name: 'canonical_rows', sqlType: 'BIGINT', comment: 'Canonical rows it gave (before validation), over all kinds.' },
      { name: 'ingested_at', sqlType: 'TIMESTAMPTZ', comment: 'When it was loaded.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that loaded it.' },
    ],
  },
  {
    name: 'skipped_rows',
    comment: 'Rows read but not loaded, by the named rule that skipped them (a feed filter, "lookup", "not a funnel event", "entered-in-error", …): counts per file and rule.',
    columns: [
      { name: 'file', sqlType: 'VARCHAR', comment: 'The file, relative to the inbox.' },
      { name: 'kind', sqlType: 'VARCHAR', comment: 'The kind it was read as, or the adapter for a raw file of a delivery.' },
      { name: 'rule', sqlType: 'VARCHAR', comment: 'The rule that skipped them.' },
      { name: 'rows', sqlType: 'BIGINT', comment: 'Rows it skipped.' },
      { name: 'run_id', sqlType: 'BIGINT', comment: 'The run that read them.' },
    ],
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

/**
 * Brings a warehouse of an earlier schema version up to this one (CREATE
 * TABLE IF NOT EXISTS leaves existing tables as they were): every column a
 * table spec has is added where missing, ingested_files loses its old key on
 * sha256 alone (the same bytes may be two kinds), and providers get their
 * derived key.
 */
function migrationSql(): string[] {
  const addColumns = [...SYSTEM_TABLES, ...landingTables()].flatMap((table) =>
    table.columns.map((c) => `ALTER TABLE "${table.name}" ADD COLUMN IF NOT EXISTS "${c.name}" ${c.sqlType};`),
  );
  return [
    ...addColumns,
    `CREATE OR REPLACE TABLE ingested_files AS SELECT * FROM ingested_files;`,
    `UPDATE ingested_files SET source = coalesce(source, 'inbox'), delivery = coalesce(delivery, file), rows_skipped = coalesce(rows_skipped, 0), rows_emitted = coalesce(rows_emitted, rows_loaded);`,
    ...landingTables().map(
      (t) =>
        `UPDATE "${t.name}" SET source_name = coalesce(source_name, 'inbox'), source_delivery = coalesce(source_delivery, source_file), applied_order = coalesce(applied_order, source_file || chr(1) || '0000');`,
    ),
    `UPDATE providers SET provider_key = npi WHERE provider_key IS NULL;`,
  ];
}

/**
 * A relation with a system table's columns and no rows, for a reader that
 * meets a warehouse (or a snapshot set) written before the table existed:
 * readers never migrate, and a `refloop status` right after an upgrade must
 * still answer.
 */
export function emptyTableSql(name: string): string {
  const table = SYSTEM_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`no system table ${name}`);
  return `(SELECT ${table.columns.map((c) => `NULL::${c.sqlType} AS "${c.name}"`).join(', ')} WHERE false)`;
}

export function schemaSql(): string {
  const tables = [...SYSTEM_TABLES, ...landingTables()];
  // Comments last: a migration that rebuilds a table drops them.
  return [...tables.map((table) => tableSql(table, { comments: false })), ...migrationSql(), ...tables.map(commentsSql)].join('\n');
}

function commentsSql(table: TableSpec): string {
  return [
    `COMMENT ON TABLE "${table.name}" IS ${sqlString(table.comment)};`,
    ...table.columns.map((c) => `COMMENT ON COLUMN "${table.name}"."${c.name}" IS ${sqlString(c.comment)};`),
  ].join('\n');
}

/** The table with its comments; `replace` rebuilds it (for tables a run rewrites whole). */
export function tableSql(table: TableSpec, options: { replace?: boolean; comments?: boolean } = {}): string {
  const columns = table.columns.map((c) => `  "${c.name}" ${c.sqlType}`);
  if (table.primaryKey) columns.push(`  PRIMARY KEY (${table.primaryKey.map((k) => `"${k}"`).join(', ')})`);
  const create = `${options.replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS'} "${table.name}" (\n${columns.join(',\n')}\n);`;
  return options.comments === false ? create : [create, commentsSql(table)].join('\n');
}
