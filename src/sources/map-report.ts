// `refloop map`: what the inbox's files would become, without loading them.
// Each file (or delivery) is read into a throwaway in-memory DuckDB through
// the same staging SQL the ingest uses, and summarized per canonical column:
// how many values arrived, how many mapped, and the source values that did
// not (with counts). Values of PHI columns are never shown, only counted.
import { join } from 'node:path';
import { columnSpecs } from '../config/feed-schema.ts';
import type { RefloopConfig } from '../config/schema.ts';
import type { ExtractContract } from '../contracts/types.ts';
import { configuredSources, discover } from '../ingest/discover.ts';
import { appliedOrder } from '../ingest/applied-order.ts';
import { adapterOutputRequest, inboxFileRequest, KnownFiles, prepareFile, type ReadyFile } from '../ingest/prepare-file.ts';
import type { ColumnSource } from '../ingest/header.ts';
import { stagingSql } from '../ingest/staging-sql.ts';
import { openWorkDir, closeWorkDir, scratchDir } from '../ingest/work-dir.ts';
import { quotedIdentifier } from '../warehouse/sql.ts';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse.ts';
import { adapterContext } from './context.ts';
import { CanonicalEmitter } from './emitter.ts';
import { adapterFor } from './registry.ts';
import { serviceLineAliases } from './service-lines.ts';

export interface ColumnReport {
  column: string;
  /** Where it comes from, in words. */
  from: string;
  /** Rows with a value. */
  present: number;
  /** Rows whose value did not map or parse, by reason. */
  problems: { reason: string; rows: number }[];
  /** Source values and what they became (non-PHI columns only; the most frequent first). */
  values: { value: string; mapped_to: string | null; rows: number }[];
}

export interface FileReport {
  source: string;
  file: string;
  kind: string;
  rows: number;
  columns: ColumnReport[];
  unused_columns: string[];
  filters: { rule: string; would_skip: number }[];
  /** Raw rows an adapter skipped, by rule, and its notes (a value a map did not know, by column). */
  adapter?: { skipped: { file: string; rule: string; rows: number }[]; issues: { file: string; column: string; reason: string; rows: number }[]; quarantined: number };
  refused?: string;
}

const TOP_VALUES = 12;

export async function mapReport(config: RefloopConfig, inboxDir: string, workDir: string, sourceName?: string): Promise<{ reports: FileReport[]; ignored: { file: string; reason: string }[] }> {
  if (sourceName && !configuredSources(config).some((s) => s.name === sourceName)) {
    throw new Error(`no source named ${sourceName} (the config has ${configuredSources(config).map((s) => s.name).join(', ')})`);
  }
  const found = await discover(config, inboxDir, adapterFor);
  await openWorkDir(workDir);
  // A throwaway database: nothing is loaded, and nothing of the files outlives the report.
  // Raw rows are read here: whatever DuckDB spills stays in the private work folder (never ./.tmp).
  const db = await openWarehouse({ path: ':memory:', timezone: config.timezone, tempDirectory: join(workDir, 'spill') });
  const reports: FileReport[] = [];
  try {
    const known = await KnownFiles.read(db);
    const serviceLines = serviceLineAliases(config);
    const lineIds = new Set(config.service_lines.map((l) => l.id));
    for (const file of found.files.filter((f) => !sourceName || f.source.name === sourceName)) {
      for (const kind of file.kinds) {
        const prepared = await prepareFile(await inboxFileRequest(file, kind, { workDir, serviceLines }), known);
        if (prepared.status !== 'ready') {
          reports.push({ source: file.source.name, file: file.file, kind: kind.kind, rows: 0, columns: [], unused_columns: [], filters: [], refused: 'reason' in prepared ? prepared.reason : prepared.status });
          continue;
        }
        try {
          reports.push({ source: file.source.name, ...(await fileReport(db, prepared.ready, lineIds)) });
        } finally {
          await prepared.ready.cleanup();
        }
      }
    }
    for (const unit of found.deliveries.filter((d) => !sourceName || d.source.name === sourceName)) {
      const scratch = await scratchDir(workDir, 'map');
      try {
        const emitter = new CanonicalEmitter(scratch.dir, unit.label);
        let canonical: ReturnType<CanonicalEmitter['close']> = [];
        try {
          await unit.adapter.read(unit.delivery, adapterContext(config, unit.source, unit.adapter, db), emitter);
        } finally {
          canonical = emitter.close();
        }
        const tallies = [...emitter.tallies.values()];
        const adapter = {
          skipped: tallies.flatMap((t) => [...t.skipped].map(([rule, rows]) => ({ file: emitter.rawName(t.file), rule, rows }))),
          issues: tallies.flatMap((t) => [...t.issues.values()].map((i) => ({ file: emitter.rawName(t.file), ...i }))),
          quarantined: tallies.reduce((n, t) => n + t.quarantined.length, 0),
        };
        for (const { kind, path } of canonical) {
          const lineage = { source: unit.source.name, delivery: unit.delivery.name, appliedOrder: appliedOrder(unit.delivery.name, unit.position) };
          const prepared = await prepareFile(adapterOutputRequest(path, kind, unit.label, lineage, { workDir: scratch.dir, serviceLines }), known);
          if (prepared.status !== 'ready') continue;
          try {
            reports.push({ source: unit.source.name, ...(await fileReport(db, prepared.ready, lineIds)), adapter });
          } finally {
            await prepared.ready.cleanup();
          }
        }
      } finally {
        await scratch.remove();
      }
    }
  } finally {
    await db.close();
    await closeWorkDir(workDir);
  }
  return { reports, ignored: found.ignored.filter((i) => !sourceName || i.file.startsWith(configuredSources(config).find((s) => s.name === sourceName)!.path)) };
}

async function fileReport(db: Warehouse, ready: ReadyFile, lineIds: ReadonlySet<string>): Promise<Omit<FileReport, 'source'>> {
  const contract = ready.contract;
  await db.run(stagingSql(contract, ready.header, ready.feed, [ready.readPath], ready.read, { keepShown: true }));
  try {
    const [{ rows } = { rows: 0 }] = await db.query<{ rows: number }>('SELECT count(*)::INTEGER AS rows FROM staged');
    const columns: ColumnReport[] = [];
    const specs = columnSpecs(ready.feed);
    for (const column of contract.columns) {
      const mapped = ready.header.columns.get(column.name);
      if (!mapped) {
        columns.push({ column: column.name, from: column.required ? 'missing (required!)' : 'not in the file', present: 0, problems: [], values: [] });
        continue;
      }
      columns.push(await columnReport(db, contract, column.name, describe(mapped.source, ready.header.sourceNames, specs.get(column.name)?.values !== undefined), lineIds));
    }
    const used = new Set<number>();
    for (const { source } of ready.header.columns.values()) if (source.from === 'fields') source.positions.forEach((p) => used.add(p));
    for (const f of ready.header.filters) used.add(f.position);
    const unused = ready.header.sourceNames.filter((name, i) => !used.has(i) && !name.startsWith('__origin_'));
    const filters = await db.query<{ rule: string; would_skip: number }>('SELECT skip_rule AS rule, count(*)::INTEGER AS would_skip FROM staged WHERE skip_rule IS NOT NULL GROUP BY 1 ORDER BY 2 DESC');
    for (const f of ready.header.filters) if (!filters.some((x) => x.rule === f.name)) filters.push({ rule: f.name, would_skip: 0 });
    return { file: ready.file, kind: contract.kind, rows, columns, unused_columns: unused, filters };
  } finally {
    await db.run('DROP TABLE IF EXISTS temp.staged');
  }
}

function describe(source: ColumnSource, names: string[], mapped: boolean): string {
  const map = mapped ? ' through its value map' : '';
  if (source.from === 'value') return `the constant "${source.value}"`;
  const columns = source.positions.map((p) => `"${names[p]}"`);
  if (columns.length === 1) return `${columns[0]}${map}`;
  return `${source.combine === 'first' ? 'the first non-empty of' : 'joined'} ${columns.join(', ')}${map}`;
}

async function columnReport(db: Warehouse, contract: ExtractContract, name: string, from: string, lineIds: ReadonlySet<string>): Promise<ColumnReport> {
  const column = contract.columns.find((c) => c.name === name)!;
  const problemColumn = quotedIdentifier(`${name}__problem`);
  const problems = await db.query<{ reason: string; rows: number }>(
    `SELECT ${problemColumn} AS reason, count(*)::INTEGER AS rows FROM staged WHERE skip_rule IS NULL AND ${problemColumn} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`,
  );
  const landed = column.phi ? undefined : column.name;
  const [presence] = await db.query<{ present: number }>(
    landed ? `SELECT count(${quotedIdentifier(landed)})::INTEGER AS present FROM staged WHERE skip_rule IS NULL` : `SELECT count(*)::INTEGER AS present FROM staged WHERE skip_rule IS NULL AND ${problemColumn} IS NULL`,
  );
  const showValues = !column.phi && (column.type.kind === 'enum' || column.name === 'service_line' || column.name === 'event_type' || column.name === 'detail');
  const values = showValues
    ? await db.query<{ value: string; mapped_to: string | null; rows: number }>(
        `SELECT * FROM (
           SELECT ${quotedIdentifier(`${name}__shown`)} AS value, CAST(${quotedIdentifier(landed!)} AS VARCHAR) AS mapped_to, count(*)::INTEGER AS rows
           FROM staged WHERE skip_rule IS NULL AND ${quotedIdentifier(`${name}__shown`)} IS NOT NULL GROUP BY 1, 2
         ) ORDER BY mapped_to IS NOT NULL, rows DESC LIMIT ${TOP_VALUES}`,
      )
    : [];
  // A service line no configured line claims is loaded as written, out of scope: not mapped, for the practice's purpose.
  const shown = (name === 'service_line' ? values.map((v) => ({ ...v, mapped_to: v.mapped_to !== null && lineIds.has(v.mapped_to) ? v.mapped_to : null })) : values).sort(
    (a, b) => Number(a.mapped_to !== null) - Number(b.mapped_to !== null) || b.rows - a.rows,
  );
  return { column: name, from, present: Number(presence?.present ?? 0), problems, values: shown };
}

/** Where `refloop map` keeps its throwaway copies: apart from the jobs' work folder, which each job empties. */
export function mapWorkDir(dbPath: string): string {
  return join(dbPath, '..', '.refloop-map');
}
