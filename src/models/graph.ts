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
    const referenced = tablesRead(model, connection);
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

/** The named models and every model they read, directly or through others (in the order given). */
export function modelsUpstreamOf(models: Model[], targets: readonly string[], connection: DuckDBConnection): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const needed = new Set<string>();
  const pending = [...targets];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (needed.has(name)) continue;
    const model = byName.get(name);
    if (!model) throw new ModelError(`there is no model ${name}`);
    needed.add(name);
    pending.push(...tablesRead(model, connection).filter((t) => byName.has(t)));
  }
  return models.filter((m) => needed.has(m.name));
}

/** The tables and models a model's query reads (lower case; its own CTEs left out). */
function tablesRead(model: Model, connection: DuckDBConnection): string[] {
  const text = withoutCommentsOrStrings(model.sql);
  const ctes = new Set([...text.matchAll(/(?:with|,)\s+(\w+)\s+as\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
  const parsed = connection.getTableNames(model.sql, false).map((t) => t.toLowerCase());
  const named = [...text.matchAll(/\b(?:from|join)\s+"?(\w+)"?/gi)].map((m) => m[1]!.toLowerCase());
  return [...new Set([...parsed, ...named])].filter((t) => !ctes.has(t) && t !== 'unnest' && t !== 'range');
}

/** The query without its `--` comments and with its quoted strings emptied, so "join" or "from" in either is not read as a table. */
function withoutCommentsOrStrings(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*/g, (match) => (match.startsWith("'") ? "''" : ''));
}
