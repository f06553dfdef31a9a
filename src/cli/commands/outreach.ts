// `refloop outreach`: the ranked list a liaison can work from.
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext, openForReading } from '../context.ts';
import { formatRows, isFormat, localRows, numericColumns } from '../format.ts';

export const outreachCommand: Command = {
  summary: 'the ranked outreach list: who to visit and why (--format table|csv|json, --liaison NAME)',
  options: { ...COMMON_OPTIONS, format: { type: 'string', default: 'table' }, liaison: { type: 'string' } },
  async run(options) {
    const format = String(options.format);
    if (!isFormat(format)) throw new Error(`--format must be table, csv or json, not ${format}`);
    const context = await createContext(options as CommonOptions);
    const warehouse = await openForReading(context);
    try {
      const reader = await warehouse.connection.runAndReadAll(
        `SELECT priority_rank, clinician, npi, office, liaison, category, reason, priority_score, visits_at_stake, confidence,
                referrals_last_year, strftime(last_referral_at, '%Y-%m-%d') AS last_referral, relationship, specialty
         FROM outreach_priorities
         WHERE $liaison IS NULL OR liaison = $liaison
         ORDER BY priority_rank`,
        { liaison: typeof options.liaison === 'string' ? options.liaison : null },
      );
      process.stdout.write(formatRows(reader.columnNames(), localRows(reader, context.config.timezone), format, numericColumns(reader)));
      return 0;
    } finally {
      await warehouse.close();
    }
  },
};
