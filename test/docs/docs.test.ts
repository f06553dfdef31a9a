// The project's documentation stays true to the code and stands alone:
// every config key and every extract column is documented, and the docs
// link only to files inside the repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema, DEFAULT_FRESHNESS, EXTRACT_KINDS } from '../../src/config/schema.ts';
import { CONTRACTS } from '../../src/contracts/extracts.ts';
import type { ColumnContract, ExtractContract } from '../../src/contracts/types.ts';
import { type ConfigKey, configKeys } from './config-keys.ts';
import { anchors, codeSpans, linkTargets, sections, type Table, tables, urls } from './markdown.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

const KIND_PATHS = [
  { parent: 'feeds', keys: EXTRACT_KINDS, as: '<kind>' },
  { parent: 'sources[].feeds', keys: EXTRACT_KINDS, as: '<kind>' },
];

/** Keys whose reference is the feed-mapping and sources page, not config.md's tables. */
const isMappingKey = (path: string) =>
  path.startsWith('sources[]') || (path.startsWith('feeds.') && !/^feeds\.<kind>(\.freshness(\.|$)|$)/.test(path));

/** config.md's key tables: the first column a `path`, then type, default, meaning. */
function keyRows(markdown: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const table of tables(markdown).filter((t) => t.header[0] === 'key')) {
    for (const row of table.rows) {
      const key = /^`([^`]+)`$/.exec(row[0] ?? '')?.[1];
      if (key) rows.set(key, row);
    }
  }
  return rows;
}

/** What a key table lacks or gets wrong about a schema's keys. */
function configDocProblems(keys: ConfigKey[], markdown: string): string[] {
  const rows = keyRows(markdown);
  const byPath = new Map(keys.map((k) => [k.path, k]));
  const problems: string[] = [];
  for (const key of keys.filter((k) => !isMappingKey(k.path))) {
    const row = rows.get(key.path);
    if (!row) {
      problems.push(`${key.path}: no row in a key table`);
      continue;
    }
    const cell = row[2] ?? '';
    const value = key.defaultValue;
    const isEmpty = (Array.isArray(value) && value.length === 0) || (value !== null && typeof value === 'object' && Object.keys(value).length === 0);
    if (key.required) {
      if (cell !== 'required') problems.push(`${key.path}: required, but its default cell says "${cell}"`);
    } else if (cell === 'required') {
      problems.push(`${key.path}: documented as required, but a config may leave it out`);
    } else if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || isEmpty) {
      const shown = [JSON.stringify(value), String(value)].map((v) => `\`${v}\``);
      if (!shown.some((s) => cell.includes(s))) problems.push(`${key.path}: default ${JSON.stringify(value)}, but the docs say "${cell}"`);
    }
  }
  for (const path of rows.keys()) if (!byPath.has(path)) problems.push(`${path}: documented, but the schema has no such key`);
  return problems;
}

describe('docs/config.md', () => {
  const doc = read('docs/config.md');
  const keys = configKeys(configSchema, KIND_PATHS);

  it('finds the keys it must check in the schema (top level and a service line)', () => {
    const paths = keys.map((k) => k.path);
    expect(paths).toEqual(expect.arrayContaining(['timezone', 'service_lines', 'service_lines[].id', 'schedule.ingest', 'feeds.<kind>.freshness.warn_hours']));
    expect(paths).toEqual(expect.arrayContaining(Object.keys(configSchema.shape)));
  });

  it('documents every config key outside the feed mapping with its default, and no key the schema lacks', () => {
    expect(configDocProblems(keys, doc)).toEqual([]);
  });

  it('lists every top-level key and every key of a service line in a key table', () => {
    const rows = keyRows(doc);
    const serviceLine = configSchema.shape.service_lines.element;
    const expected = [...Object.keys(configSchema.shape), ...Object.keys(serviceLine.shape).map((k) => `service_lines[].${k}`)];
    expect(expected.filter((path) => !rows.has(path))).toEqual([]);
  });

  it('gives the default freshness of every extract kind', () => {
    const table = tables(doc).find((t) => t.header.join('|') === 'feed|warn_hours|error_hours|data_warn_hours|data_error_hours');
    const hours = (cell: string | undefined) => Number(cell!.replaceAll(',', ''));
    const shown = Object.fromEntries(
      (table?.rows ?? []).map((r) => [
        r[0]!.replaceAll('`', ''),
        { warn_hours: hours(r[1]), error_hours: hours(r[2]), ...(r[3] ? { data_warn_hours: hours(r[3]), data_error_hours: hours(r[4]) } : {}) },
      ]),
    );
    expect(shown).toEqual(DEFAULT_FRESHNESS);
  });

  it.skipIf(!existsSync(join(DOCS, 'sources.md')))(
    'names every feed-mapping and sources key in docs/config.md or docs/sources.md (skipped while docs/sources.md is not written)',
    () => {
      const named = new Set([...codeSpans(doc), ...codeSpans(read('docs/sources.md'))].flatMap((span) => [span, ...span.split(/[.[\]]+/)]));
      const undocumented = keys.filter((k) => isMappingKey(k.path)).filter((k) => !named.has(k.path.split('.').pop()!.replace('[]', '')));
      expect(undocumented.map((k) => k.path)).toEqual([]);
    },
  );

  it('documents every command and each of its options', async () => {
    const { COMMANDS } = await import('../../src/cli/commands.ts');
    const { COMMON_OPTIONS } = await import('../../src/cli/command.ts');
    const commandRows = tables(doc).find((t) => t.header[0] === 'command')?.rows ?? [];
    const common = tables(doc).find((t) => t.header[0] === 'option')?.rows.map((r) => r[0]!) ?? [];
    const problems: string[] = [];
    for (const option of Object.keys(COMMON_OPTIONS)) if (!common.some((c) => c.startsWith(`\`--${option}`))) problems.push(`--${option}: not among the common options`);
    for (const [name, command] of Object.entries(COMMANDS)) {
      const row = commandRows.find((r) => (codeSpans(r[0]!)[0] ?? '').split(' ')[0] === name);
      if (!row) {
        problems.push(`${name}: no row in the commands table`);
        continue;
      }
      for (const option of Object.keys(command.options).filter((o) => !(o in COMMON_OPTIONS))) {
        if (!codeSpans(row.join(' ')).some((span) => span.split(' ')[0] === `--${option}`)) problems.push(`${name} --${option}: not in its row`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('notices a key added to the schema without a row (the check can fail)', () => {
    const extended = configSchema.extend({ reminder_days: z.number().default(3) });
    expect(configDocProblems(configKeys(extended, KIND_PATHS), doc)).toEqual(['reminder_days: no row in a key table']);
  });
});

const TYPE_WORDS: Record<ColumnContract['type']['kind'], string> = {
  text: 'text',
  timestamp: 'timestamp',
  date: 'date',
  enum: 'enum',
  npi: 'NPI',
  icd10: 'ICD-10-CM',
  list: 'list',
  count: 'count',
};

/** What docs/extracts.md lacks or gets wrong about a contract. */
function extractDocProblems(contract: ExtractContract, markdown: string): string[] {
  const section = sections(markdown).find((s) => s.title === contract.kind || s.title.startsWith(`${contract.kind} `));
  if (!section) return [`${contract.kind}: no section`];
  const problems: string[] = [];
  const keyColumns = contract.derivedKey?.firstOf ?? contract.key;
  for (const key of keyColumns) if (!codeSpans(section.title).includes(key)) problems.push(`${contract.kind}: the heading does not name key ${key}`);
  const table: Table | undefined = tables(section.body).find((t) => t.header.join('|') === 'column|required|type|meaning');
  if (!table) return [...problems, `${contract.kind}: no column|required|type|meaning table`];
  const rows = new Map(table.rows.map((r) => [r[0]!.replaceAll('`', ''), r]));
  for (const column of contract.columns) {
    const row = rows.get(column.name);
    if (!row) {
      problems.push(`${contract.kind}.${column.name}: no row`);
      continue;
    }
    const [, required = '', type = '', meaning = ''] = row;
    const oneOf = contract.oneOf?.includes(column.name) ? contract.oneOf : undefined;
    if (oneOf) {
      if (!required.startsWith('one of') || oneOf.some((c) => !codeSpans(required).includes(c))) problems.push(`${contract.kind}.${column.name}: required should say one of ${oneOf.join(', ')}`);
    } else if (required !== (column.required ? 'yes' : 'no')) {
      problems.push(`${contract.kind}.${column.name}: required is ${column.required ? 'yes' : 'no'}, the docs say "${required}"`);
    }
    if (!type.startsWith(TYPE_WORDS[column.type.kind])) problems.push(`${contract.kind}.${column.name}: type should be ${TYPE_WORDS[column.type.kind]}, the docs say "${type}"`);
    if (column.type.kind === 'enum' && codeSpans(type).join('|') !== column.type.values.join('|')) {
      problems.push(`${contract.kind}.${column.name}: values should be ${column.type.values.join(', ')}, the docs say ${codeSpans(type).join(', ')}`);
    }
    if (column.default !== undefined && !meaning.includes(`default \`${column.default}\``)) problems.push(`${contract.kind}.${column.name}: the default ${column.default} is not given`);
  }
  for (const name of rows.keys()) if (!contract.columns.some((c) => c.name === name)) problems.push(`${contract.kind}.${name}: documented, but not in the contract`);
  return problems;
}

describe('docs/extracts.md', () => {
  const doc = read('docs/extracts.md');

  it('documents every extract kind and column: required, type, enum values and default', () => {
    expect(CONTRACTS.flatMap((contract) => extractDocProblems(contract, doc))).toEqual([]);
  });

  it('explains every value type the contracts use', () => {
    const formats = tables(doc).find((t) => t.header[0] === 'type')?.rows.map((r) => r[0]) ?? [];
    const used = new Set(CONTRACTS.flatMap((c) => c.columns.map((col) => TYPE_WORDS[col.type.kind])));
    expect([...used].filter((word) => !formats.includes(word))).toEqual([]);
  });

  it('notices a column added to a contract without a row (the check can fail)', () => {
    const visits = CONTRACTS.find((c) => c.kind === 'visits')!;
    const extended = { ...visits, columns: [...visits.columns, { name: 'room', required: false, type: { kind: 'text' }, description: 'x' } as ColumnContract] };
    expect(extractDocProblems(extended, doc)).toEqual(['visits.room: no row']);
  });
});

/** The marts whose every column metrics.md defines in the mart's own section. */
const DEFINED_MARTS = ['fct_referrals', 'funnel_weekly', 'kpi_weekly', 'source_quality'];

describe('docs/warehouse.md and docs/metrics.md against a built warehouse', () => {
  /** The statements of warehouse.md's sql blocks. */
  const examples = [...read('docs/warehouse.md').matchAll(/```sql\n([\s\S]*?)```/g)].flatMap((m) =>
    m[1]!.split(';').map((q) => q.trim()).filter(Boolean),
  );
  let warehouse: Awaited<ReturnType<typeof import('../helpers/models.ts')['buildWith']>>;

  beforeAll(async () => {
    const { buildWith } = await import('../helpers/models.ts');
    const { buildCapacityForecast } = await import('../../src/forecast/capacity-step.ts');
    warehouse = await buildWith({ referrals: [{ referral_id: 'R1', received_at: '2026-03-02 09:00', referring_npi: '1234567893' }] }, '2026-03-09');
    await buildCapacityForecast(warehouse);
  });
  afterAll(async () => {
    await warehouse?.close();
  });

  it('has example queries', () => {
    expect(examples.length).toBeGreaterThanOrEqual(15);
  });

  it('has every example query of warehouse.md bind to the tables and columns a transform builds', async () => {
    const problems: string[] = [];
    for (const query of examples) {
      try {
        await warehouse.connection.prepare(query);
      } catch (error) {
        problems.push(`${query.split('\n')[0]}: ${String((error as Error).message).split('\n')[0]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('defines every column of fct_referrals, funnel_weekly, kpi_weekly and source_quality in its section of metrics.md', async () => {
    const metrics = sections(read('docs/metrics.md'));
    const problems: string[] = [];
    for (const mart of DEFINED_MARTS) {
      const section = metrics.find((s) => codeSpans(s.title).includes(mart));
      if (!section) {
        problems.push(`${mart}: no section`);
        continue;
      }
      const named = new Set(codeSpans(section.body));
      const columns = await warehouse.query<{ column_name: string }>(`SELECT column_name FROM duckdb_columns() WHERE table_name = '${mart}' ORDER BY column_index`);
      if (columns.length === 0) problems.push(`${mart}: not built`);
      for (const { column_name } of columns) if (!named.has(column_name)) problems.push(`${mart}.${column_name}: not defined`);
    }
    expect(problems).toEqual([]);
  });
});

/** docs/**.md and the README. */
function docFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return [join(ROOT, 'README.md'), ...(existsSync(DOCS) ? walk(DOCS) : [])];
}

/** The machine refloop serves its own site on: not outside the repository. */
const isLoopback = (url: string) => /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+|:[A-Z]+)?(\/|$)/i.test(url);

describe('the docs stand alone', () => {
  const files = docFiles();

  it('reads the README and the docs pages', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/extracts.md', 'docs/metrics.md', 'docs/config.md', 'docs/warehouse.md']));
  });

  it('never points to ../shared or to a URL outside the repository', () => {
    const problems = files.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const name = relative(ROOT, file);
      return [
        ...(/\.\.\/shared|\bshared\/(spec|reference)\b/.test(text) ? [`${name}: points to ../shared`] : []),
        ...urls(text).filter((u) => !isLoopback(u)).map((u) => `${name}: ${u}`),
        ...linkTargets(text).filter((t) => /^[a-z][a-z0-9+.-]*:/i.test(t) && !isLoopback(t)).map((t) => `${name}: links to ${t}`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('has every relative link resolve to a file in the repository, and every anchor to a heading', () => {
    const problems: string[] = [];
    for (const file of files) {
      const name = relative(ROOT, file);
      for (const target of linkTargets(readFileSync(file, 'utf8')).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))) {
        const [path = '', anchor] = target.split('#');
        const resolved = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
        if (relative(ROOT, resolved).startsWith('..')) problems.push(`${name}: ${target} leaves the repository`);
        else if (!existsSync(resolved)) problems.push(`${name}: ${target} does not exist`);
        else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          problems.push(`${name}: ${target} names no heading of ${relative(ROOT, resolved)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('notices a broken link and an outside URL (the checks can fail)', () => {
    const sample = 'See [the spec](../shared/spec/metrics.md), [gone](docs/gone.md) and <https://example.org/x>. Served at http://127.0.0.1:3000/.';
    expect(linkTargets(sample)).toEqual(['../shared/spec/metrics.md', 'docs/gone.md']);
    expect(urls(sample).filter((u) => !isLoopback(u))).toEqual(['https://example.org/x']);
    expect(anchors('## The funnel: `fct_referrals`\n## Two\n## Two')).toEqual(new Set(['the-funnel-fct_referrals', 'two', 'two-1']));
  });
});
