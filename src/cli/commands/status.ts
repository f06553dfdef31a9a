// `refloop status`: runs, freshness, row accounting and quarantine at a
// glance. Exits non-zero when the last run failed or a file's rows do not
// add up, so an external monitor can use it.
import { DEFAULT_FRESHNESS, EXTRACT_KINDS, type RefloopConfig } from '../../config/schema.ts';
import { printable } from '../../log.ts';
import { holderRunning, lockPath, readLock, WarehouseBusyError } from '../../warehouse/lock.ts';
import { emptyTableSql } from '../../warehouse/schema.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { formatRows, localRows } from '../format.ts';

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
      const feeds = await freshness(warehouse, context.config, tables);
      const columns = Object.keys(feeds[0]!);
      process.stdout.write(`\nFreshness per feed\n${formatRows(columns, feeds as never, 'table')}`);
      const problems = await healthProblems(warehouse, feeds);
      process.stdout.write(problems.length ? `\nNOT OK:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` : '\nOK\n');
      return problems.length ? 1 : 0;
    } finally {
      await warehouse.close();
    }
  },
};

/**
 * Each feed's latest arrival and latest event, judged against its freshness
 * thresholds. An arrival is a file loaded, a delivery's run that landed the
 * kind's rows, or content already loaded that arrived again under a new name
 * (redeliveries): an unchanged directory re-sent on time is not stale.
 */
async function freshness(warehouse: Warehouse, config: RefloopConfig, tables: Tables) {
  const latestEvent: Record<string, string> = {
    referrals: 'SELECT max(received_at) FROM referrals',
    referral_events: 'SELECT max(event_at) FROM referral_events',
    appointments: 'SELECT max(coalesce(booked_at, first_loaded_at)) FROM appointments',
    visits: 'SELECT max(visit_at) FROM visits',
    providers: 'SELECT NULL::TIMESTAMPTZ',
    capacity: 'SELECT max(week_start)::TIMESTAMPTZ FROM capacity',
    liaison_activities: 'SELECT max("at") FROM liaison_activities',
  };
  const rows = [];
  for (const kind of EXTRACT_KINDS) {
    const limits = config.feeds[kind]?.freshness ?? DEFAULT_FRESHNESS[kind];
    // A feed's last arrival: its latest file of that kind, the latest run that landed its rows (a delivery's raw files feed several kinds), or its latest re-delivery.
    const [row] = await warehouse.query<{ latest_file: string | null; loaded: string | null; hours: number | null; latest_event: string | null }>(
      `WITH loads AS (
         SELECT file, ingested_at FROM ingested_files WHERE kind = '${kind}'
         UNION ALL
         SELECT (SELECT max(source_delivery) FROM "${kind}" WHERE ingest_run_id = runs.run_id), runs.started_at
         FROM runs WHERE runs.run_id = (SELECT max(ingest_run_id) FROM "${kind}" WHERE source_file NOT IN (SELECT file FROM ingested_files WHERE kind = '${kind}'))
         UNION ALL
         SELECT file || ' (same content as ' || same_as || ')', arrived_at FROM ${tables.redeliveries} WHERE list_contains(kinds, '${kind}')
       )
       SELECT arg_max(file, ingested_at) AS latest_file, strftime(max(ingested_at), '%Y-%m-%d %H:%M') AS loaded,
              (epoch(now()) - epoch(max(ingested_at))) / 3600 AS hours,
              strftime((${latestEvent[kind]}), '%Y-%m-%d %H:%M') AS latest_event
       FROM loads`,
    );
    const hours = row?.hours ?? null;
    // The outreach team's log is optional: a practice that has never sent one is not stale.
    const optional = kind === 'liaison_activities';
    const state = hours === null ? (optional ? 'not used' : 'error') : hours > limits.error_hours ? 'error' : hours > limits.warn_hours ? 'warn' : 'ok';
    rows.push({ feed: kind, latest_file: row?.latest_file ?? null, last_arrived: row?.loaded ?? null, hours_ago: hours === null ? null : Math.round(hours), latest_event: row?.latest_event ?? null, warn_after_h: limits.warn_hours, error_after_h: limits.error_hours, state });
  }
  return rows;
}

/** A reader does not migrate: until a writer has opened it, a warehouse of an earlier version lacks the newer tables. */
async function tablesOf(warehouse: Warehouse): Promise<Tables> {
  const [row] = await warehouse.query<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'redeliveries' AND database_name = current_database()",
  );
  return { redeliveries: row?.n ? 'redeliveries' : emptyTableSql('redeliveries') };
}

async function healthProblems(warehouse: Warehouse, feeds: Awaited<ReturnType<typeof freshness>>): Promise<string[]> {
  const problems: string[] = [];
  for (const feed of feeds.filter((f) => f.state === 'error')) {
    problems.push(feed.last_arrived ? `${feed.feed} is stale: last file arrived ${feed.hours_ago} h ago (error after ${feed.error_after_h} h)` : `${feed.feed}: no file loaded yet`);
  }
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
