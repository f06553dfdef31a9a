// `refloop sql "<query>"`: a query on the warehouse, opened read-only, with
// marts and landing tables resolvable by their bare names.
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { formatRows, isFormat, localRows } from '../format.ts';

export const sqlCommand: Command = {
  summary: 'run a query on the warehouse (--format table|csv|json)',
  options: { ...COMMON_OPTIONS, format: { type: 'string', default: 'table' } },
  async run(options, positionals) {
    const format = String(options.format);
    if (!isFormat(format)) throw new Error(`--format must be table, csv or json, not ${format}`);
    const query = positionals.join(' ').trim();
    if (!query) throw new Error('give the query as an argument: refloop sql "select * from ingested_files"');
    const context = await createContext(options as CommonOptions);
    const warehouse = await openForReading(context);
    try {
      const reader = await warehouse.connection.runAndReadAll(query);
      process.stdout.write(formatRows(reader.columnNames(), localRows(reader, context.config.timezone), format));
      return 0;
    } finally {
      await warehouse.close();
    }
  },
};
