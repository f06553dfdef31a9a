// `refloop status`: runs, freshness, row accounting and quarantine at a
// glance. Exits non-zero when the last run failed or a file's rows do not
// add up, so an external monitor can use it.
import { printable } from '../../log.ts';
import { holderRunning, lockPath, readLock, WarehouseBusyError } from '../../warehouse/lock.ts';
import { emptyTableSql } from '../../warehouse/schema.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { formatRows, localRows } from '../format.ts';
import { type FeedFreshness, freshnessNow } from './status-freshness.ts';

/** status's exit while a job holds the warehouse: neither OK (0) nor NOT OK (1). */
export const STATUS_BUSY = 3;

/** Tables a warehouse written by an earlier version may lack, by name: the table itself, or an empty stand-in. */
interface Tables {
  redeliveries: string;
}

const SECTIONS: { title: string; sql: string | ((tables: Tables) => string) }[] = [
  {
    title: 'Last runs (a run left "running" by a dead process shows as interrupted)',
    sql: `SELECT run_id, job, trigger, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started,
            round(epoch(finished_at) - epoch(started_at), 1) AS seconds, status, files, files_refused,
            rows_read, rows_loaded, rows_quarantined, error
          FROM runs ORDER BY run_id DESC LIMIT 5`,
  },
  {
    title: 'Files by source and kind (row accounting: read = loaded + skipped + quarantined; redelivered: content already loaded, arrived under a new name)',
    sql: (tables) => `WITH loaded AS (
            SELECT source, kind, count(*) AS files, count(DISTINCT delivery) FILTER (WHERE delivery_sha256 IS NOT NULL) AS deliveries,
              max(file) AS latest_file, strftime(max(ingested_at), '%Y-%m-%d %H:%M') AS last_loaded,
              sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_skipped) AS rows_skipped, sum(rows_quarantined) AS rows_quarantined,
              bool_and(rows_read = rows_loaded + rows_skipped + rows_quarantined) AS adds_up
            FROM ingested_files GROUP BY ALL
          ), redelivered AS (SELECT source, kind, count(*) AS redelivered FROM ${tables.redeliveries} GROUP BY ALL)
          SELECT source, kind, files, coalesce(redelivered, 0) AS redelivered, deliveries, latest_file, last_loaded,
            rows_read, rows_loaded, rows_skipped, rows_quarantined, adds_up
          FROM loaded LEFT JOIN redelivered USING (source, kind) ORDER BY source, kind`,
  },
  {
    title: 'Rows skipped by rule',
    sql: `SELECT kind, rule, sum(rows) AS rows, count(DISTINCT file) AS files FROM skipped_rows GROUP BY ALL ORDER BY rows DESC LIMIT 20`,
  },
  {
    title: 'Quarantine by reason',
    sql: `SELECT kind, column_name, reason, count(*) AS records,
            arg_min(file || ':' || line, file || lpad(CAST(line AS VARCHAR), 10, '0')) AS first_at
          FROM quarantine GROUP BY ALL ORDER BY records DESC LIMIT 20`,
  },
  {
    title: 'Checks that fired in the last transform',
    sql: `SELECT check_name, severity, failing_rows, what_to_do FROM check_results
          WHERE run_id = (SELECT max(run_id) FROM check_results) AND NOT passed ORDER BY severity, check_name`,
  },
  {
    title: 'Values loaded as null (data-quality issues)',
    sql: `SELECT kind, column_name, reason, sum(rows) AS records FROM load_issues GROUP BY ALL ORDER BY records DESC LIMIT 20`,
  },
];

export const statusCommand: Command = {
  summary: 'runs, freshness, row accounting and quarantine at a glance',
  options: COMMON_OPTIONS,
  async run(options) {
    const context = await createContext(options as CommonOptions);
    let warehouse: Warehouse;
    try {
      warehouse = await openForReading(context);
    } catch (error) {
      // A job writing is not a failure: a monitor polling status during a long ingest tells the two apart.
      if (!(error instanceof WarehouseBusyError)) throw error;
      process.stdout.write(`BUSY: ${printable(error.message)}\n`);
      return STATUS_BUSY;
    }
    try {
      const holder = await readLock(lockPath(context.dbPath));
      const liveRun = holder && holderRunning(holder) ? holder.run_id : undefined;
      const tables = await tablesOf(warehouse);
      for (const section of SECTIONS) {
        const reader = await warehouse.connection.runAndReadAll(typeof section.sql === 'string' ? section.sql : section.sql(tables));
        const rows = localRows(reader, context.config.timezone);
        for (const row of rows) if (row.status === 'running' && row.run_id !== liveRun) row.status = 'interrupted';
        process.stdout.write(`\n${section.title}\n${formatRows(reader.columnNames(), rows, 'table')}`);
      }
      // Judged now, by the feed_freshness mart's own query: by the latest arrival and by the newest record.
      const feeds = await freshnessNow(warehouse, context.config, tables.redeliveries);
      const columns = Object.keys(feeds[0]!).filter((c) => c !== 'stale_reason');
      process.stdout.write(`\nFreshness per feed\n${formatRows(columns, feeds as never, 'table')}`);
      const late = feeds.filter((f) => f.state === 'warn');
      if (late.length) process.stdout.write(`\nLate feeds (warn):\n${late.map((f) => `  - ${f.stale_reason}`).join('\n')}\n`);
      const problems = await healthProblems(warehouse, feeds);
      process.stdout.write(problems.length ? `\nNOT OK:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` : '\nOK\n');
      return problems.length ? 1 : 0;
    } finally {
      await warehouse.close();
    }
  },
};

/** A reader does not migrate: until a writer has opened it, a warehouse of an earlier version lacks the newer tables. */
async function tablesOf(warehouse: Warehouse): Promise<Tables> {
  const [row] = await warehouse.query<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'redeliveries' AND database_name = current_database()",
  );
  return { redeliveries: row?.n ? 'redeliveries' : emptyTableSql('redeliveries') };
}

async function healthProblems(warehouse: Warehouse, feeds: FeedFreshness[]): Promise<string[]> {
  const problems: string[] = [];
  for (const feed of feeds.filter((f) => f.state === 'error')) problems.push(feed.stale_reason ?? `${feed.feed} is stale`);
  const [last] = await warehouse.query<{ run_id: number; status: string; error: string | null }>(
    'SELECT run_id, status, error FROM runs ORDER BY run_id DESC LIMIT 1',
  );
  if (!last) problems.push('no run has been recorded yet');
  else if (last.status === 'failed') problems.push(`the last run (${last.run_id}) failed: ${last.error}`);
  const failedChecks = await warehouse.query<{ check_name: string }>(
    "SELECT check_name FROM check_results WHERE run_id = (SELECT max(run_id) FROM check_results) AND severity = 'error' AND NOT passed",
  );
  for (const row of failedChecks) problems.push(`error check ${row.check_name} fired in the last transform`);
  const unbalanced = await warehouse.query<{ file: string }>('SELECT file FROM ingested_files WHERE rows_read <> rows_loaded + rows_skipped + rows_quarantined');
  for (const row of unbalanced) problems.push(`${row.file}: rows read differ from rows loaded + skipped + quarantined`);
  return problems;
}
