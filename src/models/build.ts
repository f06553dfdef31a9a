// Builds the models in dependency order, in one transaction (its own, or the
// transform's, which also holds the forecast and the checks): a failed build
// leaves the marts as they were. Staging models are views, intermediate models
// temporary tables (the marts' building blocks, rebuilt every transform:
// writing them to the warehouse file cost a third of a transform) or, marked
// @view, temporary views (a filter or lookup whose copy would cost more than
// its readers' reading its inputs), marts tables. Each column's meaning
// becomes a COMMENT ON COLUMN, and a mart column without one fails the build.
// Row counts and timings go to model_runs.
import type { RefloopConfig } from '../config/schema.ts';
import { quotedIdentifier, quotedString, withTransaction } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { configTablesSql, CONFIG_TABLES } from './config-tables.ts';
import { orderModels } from './graph.ts';
import { type Model, ModelError } from './model-file.ts';

export interface ModelRun {
  model: string;
  layer: string;
  rows: number;
  seconds: number;
}

type OnModel = (model: Model, index: number, total: number) => void;

/** Builds the models in a transaction of their own. */
export function buildModels(warehouse: Warehouse, models: Model[], config: RefloopConfig, asOf: string, runId: number, onModel?: OnModel): Promise<ModelRun[]> {
  return withTransaction(warehouse, () => buildModelsInTransaction(warehouse, models, config, asOf, runId, onModel));
}

/**
 * Builds the models inside a transaction the caller has open and commits or
 * rolls back with whatever else it holds (the transform's forecast and
 * checks): nothing here commits.
 */
export async function buildModelsInTransaction(
  warehouse: Warehouse,
  models: Model[],
  config: RefloopConfig,
  asOf: string,
  runId: number,
  onModel?: OnModel,
): Promise<ModelRun[]> {
  const tables = await warehouse.query<{ name: string; database: string }>(
    "SELECT table_name AS name, database_name AS database FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'",
  );
  const existing = new Set(tables.map((r) => r.name.toLowerCase()));
  for (const t of CONFIG_TABLES) existing.add(t);
  const ordered = orderModels(models, warehouse.connection, existing);
  const runs: ModelRun[] = [];
  await warehouse.run(configTablesSql(config, asOf, runId));
  // Intermediate tables that earlier versions kept in the warehouse would stand beside the temporary ones.
  // Named with the warehouse's database: a bare main.<name> finds this session's temporary view of that name first.
  const stale = tables.filter((t) => ordered.some((m) => m.layer === 'intermediate' && m.name.toLowerCase() === t.name.toLowerCase()));
  if (stale.length) await warehouse.run(stale.map((t) => `DROP TABLE IF EXISTS ${quotedIdentifier(t.database)}.main.${quotedIdentifier(t.name)};`).join('\n'));
  for (const [index, model] of ordered.entries()) {
    onModel?.(model, index, ordered.length);
    const started = performance.now();
    const kind = model.layer === 'staging' || model.isView ? 'VIEW' : 'TABLE';
    const temporary = model.layer === 'intermediate' ? 'TEMP ' : '';
    try {
      await warehouse.run(`CREATE OR REPLACE ${temporary}${kind} ${quotedIdentifier(model.name)} AS\n${model.sql}`);
    } catch (error) {
      throw new ModelError(`model ${model.name} (${model.path}) failed: ${(error as Error).message.split('\n')[0]}`);
    }
    await documentModel(warehouse, model, kind, temporary ? "'temp'" : 'current_database()');
    const [count] = await warehouse.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${quotedIdentifier(model.name)}`);
    runs.push({ model: model.name, layer: model.layer, rows: Number(count!.n), seconds: (performance.now() - started) / 1000 });
  }
  for (const r of runs) {
    await warehouse.run(`INSERT INTO model_runs VALUES (${runId}, ${quotedString(r.model)}, ${quotedString(r.layer)}, ${r.rows}, ${r.seconds})`);
  }
  return runs;
}

async function documentModel(warehouse: Warehouse, model: Model, kind: 'VIEW' | 'TABLE', databaseSql: string): Promise<void> {
  const columns = (await warehouse.query<{ column_name: string }>(
    `SELECT column_name FROM duckdb_columns() WHERE table_name = ${quotedString(model.name)} AND database_name = ${databaseSql} ORDER BY column_index`,
  )).map((c) => c.column_name);
  const undocumented = columns.filter((c) => !model.columns.has(c));
  if (model.layer === 'marts' && undocumented.length > 0) {
    throw new ModelError(`mart ${model.name} has columns without a one-line meaning (add "-- @column name: meaning"): ${undocumented.join(', ')}`);
  }
  const stale = [...model.columns.keys()].filter((c) => !columns.includes(c));
  if (stale.length > 0) throw new ModelError(`model ${model.name} documents columns it does not have: ${stale.join(', ')}`);
  const statements = [`COMMENT ON ${kind} ${quotedIdentifier(model.name)} IS ${quotedString(model.description)};`];
  for (const [column, meaning] of model.columns) statements.push(`COMMENT ON COLUMN ${quotedIdentifier(model.name)}.${quotedIdentifier(column)} IS ${quotedString(meaning)};`);
  await warehouse.run(statements.join('\n'));
}
