// `refloop map [--source NAME]`: a dry run of the mapping. It reads the inbox
// without loading anything and prints, per file and canonical column, what
// mapped and what did not (counts; values only for non-PHI coded columns),
// the source columns left unused, and what each filter would skip: the tool
// a practice finishes its mapping with.
import { mapReport, mapWorkDir } from '../../sources/map-report.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, createContext } from '../context.ts';
import { formatRows } from '../format.ts';

export const mapCommand: Command = {
  summary: 'dry-run the mapping: per canonical column what mapped and what did not, unused columns, what filters skip (--source NAME, --format json)',
  options: { ...COMMON_OPTIONS, source: { type: 'string' }, format: { type: 'string', default: 'text' } },
  async run(options) {
    const context = await createContext(options as CommonOptions);
    const { reports, ignored } = await mapReport(context.config, context.inboxDir, mapWorkDir(context.dbPath), options.source as string | undefined);
    if (options.format === 'json') {
      process.stdout.write(`${JSON.stringify({ files: reports, ignored }, null, 1)}\n`);
      return reports.some((r) => r.refused) ? 1 : 0;
    }
    if (reports.length === 0) process.stdout.write('map: no extract file or delivery found\n');
    for (const report of reports) {
      process.stdout.write(`\n== ${report.file} → ${report.kind} (source ${report.source}): ${report.rows.toLocaleString('en-US')} rows\n`);
      if (report.refused) {
        process.stdout.write(`   would be refused: ${report.refused}\n`);
        continue;
      }
      const rows = report.columns.map((c) => ({
        column: c.column,
        from: c.from,
        with_value: c.present,
        not_mapped_or_bad: c.problems.reduce((n, p) => n + p.rows, 0),
        problems: c.problems.map((p) => `${p.reason} (${p.rows})`).join('; '),
      }));
      process.stdout.write(formatRows(['column', 'from', 'with_value', 'not_mapped_or_bad', 'problems'], rows as never, 'table'));
      for (const c of report.columns.filter((c) => c.values.length)) {
        const shown = c.values.map((v) => `${JSON.stringify(v.value)} → ${v.mapped_to === null ? 'NOT MAPPED' : v.mapped_to} (${v.rows})`).join(', ');
        process.stdout.write(`   ${c.column} values: ${shown}\n`);
      }
      if (report.unused_columns.length) process.stdout.write(`   source columns not used: ${report.unused_columns.join(', ')}\n`);
      for (const f of report.filters) process.stdout.write(`   filter "${f.rule}" would skip ${f.would_skip} rows\n`);
      if (report.adapter) {
        for (const s of report.adapter.skipped) process.stdout.write(`   ${s.file}: ${s.rows} rows skipped (${s.rule})\n`);
        for (const i of report.adapter.issues) process.stdout.write(`   ${i.file}: ${i.column}: ${i.reason} (${i.rows})\n`);
        if (report.adapter.quarantined) process.stdout.write(`   ${report.adapter.quarantined} raw rows could not be read at all\n`);
      }
    }
    for (const i of ignored) process.stdout.write(`\nignored ${i.file}: ${i.reason}\n`);
    return reports.some((r) => r.refused) ? 1 : 0;
  },
};
