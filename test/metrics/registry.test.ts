// The metric registry stays true: its docs section is generated from it, each
// entry's test exists by name, each page's data reads it, and on a built
// warehouse (the shared demo) each column exists with the registry's words as
// its comment.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registrySection, withRegistrySection } from '../../src/metrics/markdown.ts';
import { METRICS } from '../../src/metrics/registry.ts';
import type { Metric, Shown } from '../../src/metrics/types.ts';
import { refloopRows } from '../helpers/cli.ts';
import { demoSite } from '../helpers/demo-site.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const word = (name: string) => new RegExp(`\\b${escaped(name)}\\b`);

/** Whether `file` has a test (or suite) named exactly `name`. */
export function hasTestNamed(source: string, name: string): boolean {
  return new RegExp(`\\b(it|test|describe)\\(\\s*(['"\`])${escaped(name)}\\2`).test(source);
}

/** What is wrong with where an entry says it is shown. */
export function shownProblems(shown: Shown, readFile: (file: string) => string | null): string[] {
  const [table, column] = shown.reads.split('.') as [string, string];
  if (shown.page === 'digest') {
    const source = readFile(shown.select);
    if (source === null) return [`${shown.select} does not exist`];
    return word(table).test(source) ? [] : [`${shown.select} does not read ${table}`];
  }
  const page = readFile(shown.page);
  if (page === null) return [`${shown.page} does not exist`];
  const loaders = [...page.matchAll(/FileAttachment\("data\/([\w-]+)\.json"\)/g)].map((m) => m[1]!);
  if (!loaders.some((l) => (readFile(`reports/data/${l}.json.ts`) ?? '').includes(`select('${shown.select}')`))) return [`no loader of ${shown.page} runs the select ${shown.select}`];
  const sql = readFile(`reports/data/sql/${shown.select}.sql`);
  if (sql === null) return [`reports/data/sql/${shown.select}.sql does not exist`];
  const problems: string[] = [];
  if (!word(table).test(sql)) problems.push(`${shown.select} does not read ${table}`);
  if (!word(column).test(sql) && !/select \*/i.test(sql)) problems.push(`${shown.select} does not select ${column}`);
  return problems;
}

const readOrNull = (file: string) => (existsSync(join(ROOT, file)) ? read(file) : null);
const key = (m: Metric) => `${m.name} (${m.mart}.${m.column})`;

describe('the metric registry', () => {
  it('has one entry per name', () => {
    const names = METRICS.map((m) => m.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('is the generated section of docs/metrics.md (run `npm run docs:metrics` after changing it)', () => {
    const docs = read('docs/metrics.md');
    expect(docs).toContain(registrySection());
    expect(withRegistrySection(docs)).toBe(docs);
  });

  it('names a test that exists, by file and name, for every metric', () => {
    const missing = METRICS.filter((m) => !existsSync(join(ROOT, m.test.file)) || !hasTestNamed(read(m.test.file), m.test.name)).map(key);
    expect(missing).toEqual([]);
  });

  it("says where each metric is shown, and that page's data reads it", () => {
    const problems = METRICS.flatMap((m) => m.shown.flatMap((s) => shownProblems(s, readOrNull).map((p) => `${key(m)}: ${p}`)));
    expect(problems).toEqual([]);
  });

  it('tells a page that does not read the metric from one that does', () => {
    const files: Record<string, string> = {
      'reports/p.md': 'const data = await FileAttachment("data/p.json").json();',
      'reports/data/p.json.ts': "await runLoader('p', async (select) => ({ a: await select('p-a') }));",
      'reports/data/sql/p-a.sql': 'select week, rate from sla_trend',
    };
    const readFake = (file: string) => files[file] ?? null;
    expect(shownProblems({ page: 'reports/p.md', select: 'p-a', reads: 'sla_trend.rate' }, readFake)).toEqual([]);
    expect(shownProblems({ page: 'reports/p.md', select: 'p-a', reads: 'sla_trend.rates' }, readFake)).toEqual(['p-a does not select rates']);
    expect(shownProblems({ page: 'reports/p.md', select: 'p-a', reads: 'kpi_weekly.rate' }, readFake)).toEqual(['p-a does not read kpi_weekly']);
    expect(shownProblems({ page: 'reports/p.md', select: 'p-b', reads: 'sla_trend.rate' }, readFake)).toEqual(['no loader of reports/p.md runs the select p-b']);
    expect(hasTestNamed("it('is met / due', async () => {", 'is met / due')).toBe(true);
    expect(hasTestNamed("it('is met / due, always', async () => {", 'is met / due')).toBe(false);
  });
});

describe('the metric registry against a built warehouse', () => {
  let columns: Map<string, string | null>;

  beforeAll(async () => {
    const site = await demoSite();
    const rows = refloopRows<{ name: string; comment: string | null }>(
      site.dir,
      "SELECT table_name || '.' || column_name AS name, comment FROM duckdb_columns() WHERE schema_name = 'main'",
    );
    columns = new Map(rows.map((r) => [r.name, r.comment]));
  }, 15 * 60_000);

  it('finds each metric in its mart, and every column a page reads it from', () => {
    const missing = METRICS.flatMap((m) => [`${m.mart}.${m.column}`, ...(m.row ? [`${m.mart}.${m.row.column}`] : []), ...m.shown.map((s) => s.reads)]).filter((c) => !columns.has(c));
    expect(missing).toEqual([]);
  });

  it("has the registry's definition as the column's comment in the warehouse", () => {
    const differing = METRICS.filter((m) => !m.row)
      .filter((m) => columns.get(`${m.mart}.${m.column}`) !== m.definition)
      .map((m) => ({ metric: key(m), registry: m.definition, warehouse: columns.get(`${m.mart}.${m.column}`) }));
    expect(differing).toEqual([]);
  });

  it("names a row metric by a value its mart accepts (the model's @accepted_values)", () => {
    const unknown = METRICS.filter((m) => m.row).filter((m) => {
      const header = read(`sql/marts/${m.mart}.sql`);
      const accepted = new RegExp(`^-- @accepted_values ${m.row!.column}: (.*)$`, 'm').exec(header)?.[1]?.split(/,\s*/) ?? [];
      return !accepted.includes(m.row!.value);
    });
    expect(unknown.map(key)).toEqual([]);
  });
});
