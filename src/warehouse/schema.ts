// The warehouse's own tables: landing tables from the contracts, and the
// bookkeeping every run writes (runs, ingested_files, redeliveries,
// quarantine, load_issues), and the state kept between transforms
// (alert_log).
// Created once per schema version, in one transaction, then checkpointed, so
// no DDL is ever replayed from the WAL of a load.
import { CONTRACTS } from '../contracts/extracts.ts';
import { LINEAGE_COLUMNS, landingColumns } from '../contracts/landing.ts';
import { quotedIdentifier, quotedString } from './sql.ts';
import { type TableColumn, tableColumn } from './table-column.ts';

export const SCHEMA_VERSION = '6';

export interface TableSpec {
  name: string;
  comment: string;
  columns: TableColumn[];
  primaryKey?: readonly string[];
}

const SYSTEM_TABLES: TableSpec[] = [
  {
    name: 'warehouse_meta',
    comment: 'Facts about this warehouse: schema version, pseudonym key fingerprint, and the days around the time zone\'s daylight-saving changes (kept so that no command has to find them again).',
    columns: [
      tableColumn('key', 'VARCHAR', 'Name of the fact.'),
      tableColumn('value', 'VARCHAR', 'Its value.'),
    ],
    primaryKey: ['key'],
  },
  {
    name: 'runs',
    comment: 'One row per run of a refloop job (ingest, transform, publish).',
    columns: [
      tableColumn('run_id', 'BIGINT', 'The run.'),
      tableColumn('job', 'VARCHAR', 'ingest, transform, run or publish.'),
      tableColumn('trigger', 'VARCHAR', 'manual, schedule or catch-up.'),
      tableColumn('pid', 'INTEGER', 'Process id of the run.'),
      tableColumn('started_at', 'TIMESTAMPTZ', 'When the run started.'),
      tableColumn('finished_at', 'TIMESTAMPTZ', 'When it finished, also on failure; null while running or if the process died.'),
      tableColumn('status', 'VARCHAR', 'running, succeeded or failed.'),
      tableColumn('files', 'INTEGER', 'Extract files loaded.'),
      tableColumn('files_refused', 'INTEGER', 'Extract files refused whole (left in the inbox).'),
      tableColumn('rows_read', 'BIGINT', 'Records read from the loaded files.'),
      tableColumn('rows_loaded', 'BIGINT', 'Records loaded.'),
      tableColumn('rows_skipped', 'BIGINT', 'Records skipped by a named rule (a feed filter, an adapter rule).'),
      tableColumn('rows_quarantined', 'BIGINT', 'Records quarantined.'),
      tableColumn('checks_failed', 'INTEGER', 'Data checks that fired.'),
      tableColumn('error', 'VARCHAR', 'Why the run failed (no PHI).'),
    ],
    primaryKey: ['run_id'],
  },
  {
    name: 'ingested_files',
    comment:
      'One row per file loaded as one kind (a canonical extract, a vendor report, or a raw file of a delivery): rows_read = rows_loaded + rows_skipped + rows_quarantined.',
    columns: [
      tableColumn('file', 'VARCHAR', 'The file, relative to the inbox.'),
      tableColumn('sha256', 'VARCHAR', 'SHA-256 of the decompressed bytes: the same content under another name is not loaded again as the same kind (see redeliveries).'),
      tableColumn('kind', 'VARCHAR', 'Extract kind it was loaded as; for a raw file of a delivery, the adapter (epic-ehi, fhir-r4, nppes).'),
      tableColumn('rows_read', 'BIGINT', 'Records (rows, resources) in the file, the header excluded.'),
      tableColumn('rows_loaded', 'BIGINT', 'Records loaded (identical copies of one key count as loaded); for a raw file, those that gave at least one loaded canonical row.'),
      tableColumn('rows_quarantined', 'BIGINT', 'Records set aside in quarantine (for a raw file: every canonical row it gave was quarantined, or it could not be read).'),
      tableColumn('rows_skipped', 'BIGINT', 'Records skipped by a named rule (a feed filter, an adapter rule): see skipped_rows.'),
      tableColumn('rows_emitted', 'BIGINT', 'Records that gave at least one loaded canonical row (equal to rows_loaded).'),
      tableColumn('ingested_at', 'TIMESTAMPTZ', 'When the file was loaded.'),
      tableColumn('size_bytes', 'BIGINT', 'Size of the file as it lay in the inbox.'),
      tableColumn('run_id', 'BIGINT', 'The run that loaded it.'),
      tableColumn('modified_ms', 'BIGINT', 'Modification time of the file (ms since 1970): with name and size, lets an unchanged file be skipped unread.'),
      tableColumn('source', 'VARCHAR', "The source it came from (config sources[].name; 'inbox' without sources)."),
      tableColumn('delivery', 'VARCHAR', 'The delivery it belongs to (a delivery folder, or the file itself).'),
      tableColumn('delivery_sha256', 'VARCHAR', 'For a raw file of a delivery: the hash of the whole delivery (see deliveries).'),
    ],
  },
  {
    name: 'redeliveries',
    comment:
      'One row per file (or delivery) that arrived under a new name with content already loaded, from the first run that saw it: nothing of it is loaded again, but its feed was delivered, and freshness counts it.',
    columns: [
      tableColumn('file', 'VARCHAR', 'The file as it arrived, relative to the inbox; for a delivery, its folder.'),
      tableColumn('kind', 'VARCHAR', 'Extract kind it was read as; for a delivery, the adapter (epic-ehi, fhir-r4, nppes).'),
      tableColumn('same_as', 'VARCHAR', 'The file already loaded with the same content (for a delivery: source/delivery of the one it repeats).'),
      tableColumn('kinds', 'VARCHAR[]', 'The extract kinds it brings up to date: its kind for a file; for a delivery, the kinds the delivery it repeats landed.'),
      tableColumn('source', 'VARCHAR', 'The source it came from (config sources[].name).'),
      tableColumn('delivery', 'VARCHAR', 'The delivery it belongs to (a delivery folder, or the file itself).'),
      tableColumn('size_bytes', 'BIGINT', 'Size of the file as it lay in the inbox; null for a delivery.'),
      tableColumn('modified_ms', 'BIGINT', 'Modification time of the file (ms since 1970); null for a delivery.'),
      tableColumn('arrived_at', 'TIMESTAMPTZ', 'When an ingest found it.'),
      tableColumn('run_id', 'BIGINT', 'The run that found it.'),
    ],
  },
  {
    name: 'deliveries',
    comment: 'One row per delivery of a table adapter (a folder of Epic tables, a FHIR export) loaded whole.',
    columns: [
      tableColumn('source', 'VARCHAR', 'The source (config sources[].name).'),
      tableColumn('adapter', 'VARCHAR', 'epic-ehi, fhir-r4 or nppes.'),
      tableColumn('delivery', 'VARCHAR', 'The delivery folder (relative to the source path).'),
      tableColumn('sha256', 'VARCHAR', 'Hash of every file name and content of the delivery: the same delivery is not loaded twice.'),
      tableColumn('files', 'INTEGER', 'Raw files read.'),
      tableColumn('rows_read', 'BIGINT', 'Raw rows read, over its files.'),
      tableColumn('rows_loaded', 'BIGINT', 'Raw rows that gave a loaded canonical row.'),
      tableColumn('rows_skipped', 'BIGINT', 'Raw rows skipped by a named rule.'),
      tableColumn('rows_quarantined', 'BIGINT', 'Raw rows quarantined.'),
      tableColumn('canonical_rows', 'BIGINT', 'Canonical rows it gave (before validation), over all kinds.'),
      tableColumn('ingested_at', 'TIMESTAMPTZ', 'When it was loaded.'),
      tableColumn('run_id', 'BIGINT', 'The run that loaded it.'),
    ],
  },
  {
    name: 'skipped_rows',
    comment: 'Rows read but not loaded, by the named rule that skipped them (a feed filter, "lookup", "not a funnel event", "entered-in-error", …): counts per file and rule.',
    columns: [
      tableColumn('file', 'VARCHAR', 'The file, relative to the inbox.'),
      tableColumn('kind', 'VARCHAR', 'The kind it was read as, or the adapter for a raw file of a delivery.'),
      tableColumn('rule', 'VARCHAR', 'The rule that skipped them.'),
      tableColumn('rows', 'BIGINT', 'Rows it skipped.'),
      tableColumn('run_id', 'BIGINT', 'The run that read them.'),
    ],
  },
  {
    name: 'quarantine',
    comment: 'One row per rejected record, with its first problem; PHI values are withheld.',
    columns: [
      tableColumn('file', 'VARCHAR', 'File name.'),
      tableColumn('line', 'INTEGER', 'Physical line where the record starts (the header is line 1).'),
      tableColumn('column_name', 'VARCHAR', 'The column with the problem; null for a record that is not valid CSV.'),
      tableColumn('value', 'VARCHAR', 'The offending value; null when it is PHI or the record could not be split into fields.'),
      tableColumn('reason', 'VARCHAR', 'What is wrong.'),
      tableColumn('kind', 'VARCHAR', 'Extract kind.'),
      tableColumn('run_id', 'BIGINT', 'The run that read it.'),
    ],
  },
  {
    name: 'load_issues',
    comment: 'Problems in optional values that were loaded as null (or their default): counts per file, column and reason.',
    columns: [
      tableColumn('file', 'VARCHAR', 'File name.'),
      tableColumn('kind', 'VARCHAR', 'Extract kind.'),
      tableColumn('column_name', 'VARCHAR', 'The column.'),
      tableColumn('reason', 'VARCHAR', 'What was wrong with the values.'),
      tableColumn('rows', 'BIGINT', 'Records with this problem.'),
      tableColumn('run_id', 'BIGINT', 'The run that read them.'),
    ],
  },
  {
    name: 'model_runs',
    comment: 'One row per model built by a transform run: rows and time taken.',
    columns: [
      tableColumn('run_id', 'BIGINT', 'The run.'),
      tableColumn('model', 'VARCHAR', 'The model (a view or table of that name).'),
      tableColumn('layer', 'VARCHAR', 'staging, intermediate or marts.'),
      tableColumn('rows', 'BIGINT', 'Rows in the model after the build.'),
      tableColumn('seconds', 'DOUBLE', 'Time to build it.'),
    ],
  },
  {
    name: 'check_results',
    comment: 'One row per data check per transform run: how many rows failed it, and what to do when it fires.',
    columns: [
      tableColumn('run_id', 'BIGINT', 'The run.'),
      tableColumn('check_name', 'VARCHAR', 'The check.'),
      tableColumn('model', 'VARCHAR', 'The model or table it checks.'),
      tableColumn('severity', 'VARCHAR', 'error (stops the publish) or warn.'),
      tableColumn('failing_rows', 'BIGINT', 'Rows the check returned (0 = passed).'),
      tableColumn('passed', 'BOOLEAN', 'No failing rows.'),
      tableColumn('what_to_do', 'VARCHAR', 'What to do when it fires.'),
    ],
  },
  {
    // No PRIMARY KEY: the transform rewrites rows of it in the transaction that built the marts (src/alerts/log.ts keeps alert_key unique).
    name: 'alert_log',
    comment:
      'One row per liaison alert ever opened (liaison_alerts), kept between transforms so an alert fires once: when it opened, when its signature last changed, when it was last seen and when it closed. Written only by a transform whose as_of is not before the log\'s latest.',
    columns: [
      tableColumn('alert_key', 'VARCHAR', 'The alert: rule:liaison:what it is about (liaison_alerts.alert_key).'),
      tableColumn('liaison', 'VARCHAR', 'The liaison it goes to, or unassigned.'),
      tableColumn('rule', 'VARCHAR', 'dormant, declining or behind_goal.'),
      tableColumn('source', 'VARCHAR', 'The referrer; null for a goal alert.'),
      tableColumn('subject', 'VARCHAR', 'The clinician, or the panel measure and period, as last seen.'),
      tableColumn('office', 'VARCHAR', 'The clinician\'s office, as last seen.'),
      tableColumn('why', 'VARCHAR', 'Why, in words with its numbers, as last seen.'),
      tableColumn('signature', 'VARCHAR', 'The facts whose change makes it changed, as last seen.'),
      tableColumn('first_seen_as_of', 'TIMESTAMPTZ', 'The as_of at which it (last) opened.'),
      tableColumn('last_changed_as_of', 'TIMESTAMPTZ', 'The as_of of its last change of signature (its opening counts).'),
      tableColumn('last_seen_as_of', 'TIMESTAMPTZ', 'The latest as_of at which it was open.'),
      tableColumn('closed_as_of', 'TIMESTAMPTZ', 'The as_of of the first run that found it gone; null while open.'),
      tableColumn('last_run_id', 'BIGINT', 'The transform run that last wrote the row.'),
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
    table.columns.map((c) => `ALTER TABLE ${quotedIdentifier(table.name)} ADD COLUMN IF NOT EXISTS ${quotedIdentifier(c.name)} ${c.sqlType};`),
  );
  return [
    ...addColumns,
    `CREATE OR REPLACE TABLE ingested_files AS SELECT * FROM ingested_files;`,
    `UPDATE ingested_files SET source = coalesce(source, 'inbox'), delivery = coalesce(delivery, file), rows_skipped = coalesce(rows_skipped, 0), rows_emitted = coalesce(rows_emitted, rows_loaded);`,
    ...landingTables().map(
      (t) =>
        `UPDATE ${quotedIdentifier(t.name)} SET source_name = coalesce(source_name, 'inbox'), source_delivery = coalesce(source_delivery, source_file), applied_order = coalesce(applied_order, source_file || chr(1) || '0000');`,
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
  return `(SELECT ${table.columns.map((c) => `NULL::${c.sqlType} AS ${quotedIdentifier(c.name)}`).join(', ')} WHERE false)`;
}

export function schemaSql(): string {
  const tables = [...SYSTEM_TABLES, ...landingTables()];
  // Comments last: a migration that rebuilds a table drops them.
  return [...tables.map((table) => tableSql(table, { comments: false })), ...migrationSql(), ...tables.map(commentsSql)].join('\n');
}

function commentsSql(table: TableSpec): string {
  return [
    `COMMENT ON TABLE ${quotedIdentifier(table.name)} IS ${quotedString(table.comment)};`,
    ...table.columns.map((c) => `COMMENT ON COLUMN ${quotedIdentifier(table.name)}.${quotedIdentifier(c.name)} IS ${quotedString(c.comment)};`),
  ].join('\n');
}

/** The table with its comments; `replace` rebuilds it (for tables a run rewrites whole). */
export function tableSql(table: TableSpec, options: { replace?: boolean; comments?: boolean } = {}): string {
  const columns = table.columns.map((c) => `  ${quotedIdentifier(c.name)} ${c.sqlType}`);
  if (table.primaryKey) columns.push(`  PRIMARY KEY (${table.primaryKey.map(quotedIdentifier).join(', ')})`);
  const create = `${options.replace ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS'} ${quotedIdentifier(table.name)} (\n${columns.join(',\n')}\n);`;
  return options.comments === false ? create : [create, commentsSql(table)].join('\n');
}
