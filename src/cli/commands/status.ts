// `refloop status`: runs, freshness, row accounting and quarantine at a
// glance. Exits non-zero when the last run failed or a file's rows do not
// add up, so an external monitor can use it.
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { formatRows, localRows } from '../format.ts';

const SECTIONS = [
  {
    title: 'Last runs',
    sql: `SELECT run_id, job, trigger, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started,
            round(epoch(finished_at) - epoch(started_at), 1) AS seconds, status, files, files_refused,
            rows_read, rows_loaded, rows_quarantined, error
          FROM runs ORDER BY run_id DESC LIMIT 5`,
  },
  {
    title: 'Extracts by kind (row accounting: read = loaded + quarantined)',
    sql: `SELECT kind, count(*) AS files, max(file) AS latest_file, strftime(max(ingested_at), '%Y-%m-%d %H:%M') AS last_loaded,
            sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
            bool_and(rows_read = rows_loaded + rows_quarantined) AS adds_up
          FROM ingested_files GROUP BY kind ORDER BY kind`,
  },
  {
    title: 'Quarantine by reason',
    sql: `SELECT kind, column_name, reason, count(*) AS records, min(file || ':' || line) AS first_at
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
    const warehouse = await openForReading(context);
    try {
      for (const section of SECTIONS) {
        const reader = await warehouse.connection.runAndReadAll(section.sql);
        process.stdout.write(`\n${section.title}\n${formatRows(reader.columnNames(), localRows(reader, context.config.timezone), 'table')}`);
      }
      const problems = await healthProblems(warehouse);
      process.stdout.write(problems.length ? `\nNOT OK:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` : '\nOK\n');
      return problems.length ? 1 : 0;
    } finally {
      await warehouse.close();
    }
  },
};

async function healthProblems(warehouse: Warehouse): Promise<string[]> {
  const problems: string[] = [];
  const [last] = await warehouse.query<{ run_id: number; status: string; error: string | null }>(
    'SELECT run_id, status, error FROM runs ORDER BY run_id DESC LIMIT 1',
  );
  if (!last) problems.push('no run has been recorded yet');
  else if (last.status === 'failed') problems.push(`the last run (${last.run_id}) failed: ${last.error}`);
  const failedChecks = await warehouse.query<{ check_name: string }>(
    "SELECT check_name FROM check_results WHERE run_id = (SELECT max(run_id) FROM check_results) AND severity = 'error' AND NOT passed",
  );
  for (const row of failedChecks) problems.push(`error check ${row.check_name} fired in the last transform`);
  const unbalanced = await warehouse.query<{ file: string }>('SELECT file FROM ingested_files WHERE rows_read <> rows_loaded + rows_quarantined');
  for (const row of unbalanced) problems.push(`${row.file}: rows read differ from rows loaded + quarantined`);
  return problems;
}
