// Model order from the SQL itself: the tables a model reads are parsed out of
// its query by DuckDB, so no templating is needed to know dependencies.
// DuckDB's extraction returns nothing at all for some valid queries (seen:
// ANTI JOIN … USING), so the names after FROM and JOIN in the text (its
// comments left out, its strings emptied) are read
// too, and both must agree on what is a model.
import type { DuckDBConnection } from '@duckdb/node-api';
import { type Model, ModelError } from './model-file.ts';

export function orderModels(models: Model[], connection: DuckDBConnection, existingTables: Set<string>): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const dependencies = new Map<string, string[]>();
  for (const model of models) {
    const text = withoutCommentsOrStrings(model.sql);
    const ctes = new Set([...text.matchAll(/(?:with|,)\s+(\w+)\s+as\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
    const parsed = connection.getTableNames(model.sql, false).map((t) => t.toLowerCase());
    const named = [...text.matchAll(/\b(?:from|join)\s+"?(\w+)"?/gi)].map((m) => m[1]!.toLowerCase());
    const referenced = [...new Set([...parsed, ...named])].filter((t) => !ctes.has(t) && t !== 'unnest' && t !== 'range');
    const unknown = referenced.filter((t) => !byName.has(t) && !existingTables.has(t));
    if (unknown.length > 0) {
      throw new ModelError(`model ${model.name} reads ${unknown.join(', ')}, which is neither a model nor a warehouse table`);
    }
    dependencies.set(model.name, referenced.filter((t) => byName.has(t) && t !== model.name));
  }
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new ModelError(`models depend on each other in a cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dep of dependencies.get(name) ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
    ordered.push(byName.get(name)!);
  };
  for (const model of models) visit(model.name, []);
  return ordered;
}

/** The query without its `--` comments and with its quoted strings emptied, so "join" or "from" in either is not read as a table. */
function withoutCommentsOrStrings(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*/g, (match) => (match.startsWith("'") ? "''" : ''));
}
