// `refloop sql "<query>"`: one read-only query on the warehouse, with marts
// and landing tables resolvable by their bare names. It is the analysts' door
// to the warehouse, so it is a sandbox: exactly one statement, and only a
// query (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE), on a
// warehouse opened read-only with file, network and extension access off and
// the configuration locked (lockDownReader). Anything else is refused in one
// line that names what was refused.
import { type DuckDBConnection, type DuckDBPreparedStatement, StatementType } from '@duckdb/node-api';
import { lockDownReader } from '../../warehouse/warehouse.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { formatRows, isFormat, localRows, numericColumns } from '../format.ts';

export class SqlRefusedError extends Error {}

export const sqlCommand: Command = {
  summary: 'run one read-only query on the warehouse (--format table|csv|json)',
  options: { ...COMMON_OPTIONS, format: { type: 'string', default: 'table' } },
  async run(options, positionals) {
    const format = String(options.format);
    if (!isFormat(format)) throw new Error(`--format must be table, csv or json, not ${format}`);
    const query = positionals.join(' ').trim();
    if (!query) throw new Error('give the query as an argument: refloop sql "select * from ingested_files"');
    const context = await createContext(options as CommonOptions);
    const warehouse = await openForReading(context);
    try {
      await lockDownReader(warehouse);
      const statement = await prepareOneQuery(warehouse.connection, query);
      const reader = await explained(query, () => statement.runAndReadAll());
      process.stdout.write(formatRows(reader.columnNames(), localRows(reader, context.config.timezone), format, numericColumns(reader)));
      return 0;
    } finally {
      await warehouse.close();
    }
  },
};

const ALLOWED = 'refloop sql runs one read-only query (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE) on the warehouse tables';

/**
 * The query as DuckDB's own parser sees it: one statement, and a query. The
 * statement is prepared (bound, not run) in the sandbox, so a file it names is
 * refused before it runs.
 */
export async function prepareOneQuery(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  const statements = await connection.extractStatements(sql);
  if (statements.count === 0) throw new SqlRefusedError(`no statement given: ${ALLOWED}`);
  if (statements.count !== 1) {
    throw new SqlRefusedError(`refused ${statements.count} statements: ${ALLOWED}, exactly one per call`);
  }
  const prepared = await explained(sql, () => statements.prepare(0));
  if (prepared.statementType !== StatementType.SELECT) {
    throw new SqlRefusedError(`refused ${statementName(prepared.statementType)}: ${ALLOWED}; it cannot write, copy, attach, export, install or change settings`);
  }
  return prepared;
}

function statementName(type: StatementType): string {
  const names: Partial<Record<StatementType, string>> = {
    [StatementType.LOAD]: 'INSTALL/LOAD',
    [StatementType.SET]: 'SET/RESET',
    [StatementType.VARIABLE_SET]: 'SET VARIABLE',
    [StatementType.COPY_DATABASE]: 'COPY FROM DATABASE',
    [StatementType.UPDATE_EXTENSIONS]: 'UPDATE EXTENSIONS',
    [StatementType.MERGE_INTO]: 'MERGE INTO',
  };
  return names[type] ?? StatementType[type]?.replaceAll('_', ' ') ?? 'a statement that is not a query';
}

/** DuckDB's refusals by the sandbox, said as what was refused: the function the error points at, else the statement's first word. */
async function explained<T>(sql: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const message = String((error as Error)?.message ?? error);
    const first = message.split('\n')[0]!;
    if (!first.startsWith('Permission Error:')) throw error;
    const pointed = pointedAt(message);
    const what = pointed ? `${pointed}()` : (/^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'the query');
    const file = /Cannot access (?:file|directory) ("[^"]*")/.exec(first)?.[1];
    if (/extension/i.test(first)) throw new SqlRefusedError(`refused loading an extension by ${what}: ${ALLOWED}`);
    throw new SqlRefusedError(`refused file access by ${what}${file ? ` to ${file}` : ''}: ${ALLOWED}, never files or the network`);
  }
}

/** The word DuckDB's error points at with its caret ("LINE 1: select * from read_text(…)" then "^"). */
function pointedAt(message: string): string | undefined {
  const lines = message.split('\n');
  const at = lines.findIndex((line) => /^LINE \d+: /.test(line));
  const caret = at < 0 ? -1 : (lines[at + 1]?.indexOf('^') ?? -1);
  return caret < 0 ? undefined : /^[A-Za-z_]\w*/.exec(lines[at]!.slice(caret))?.[0];
}
