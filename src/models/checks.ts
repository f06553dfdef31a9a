// Data checks: each is a query that returns the bad rows, with a severity and
// a sentence saying what to do when it fires. Generic ones come from the
// models' annotations (unique, not null, accepted values, relationships);
// custom ones are files in sql/checks/. An error-severity check that fires
// stops the publish.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { quotedIdentifier, quotedString } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { ColumnCheck, Model, Severity } from './model-file.ts';

export interface Check {
  name: string;
  model: string;
  severity: Severity;
  whatToDo: string;
  sql: string;
}

export interface CheckResult extends Check {
  failingRows: number;
}

export function modelChecks(models: Model[]): Check[] {
  return models.flatMap((model) => model.checks.map((check) => columnCheck(model.name, check)));
}

function columnCheck(model: string, check: ColumnCheck): Check {
  const cols = check.columns.map(quotedIdentifier);
  const base = { model, severity: check.severity };
  switch (check.kind) {
    case 'unique':
      return {
        ...base,
        name: `${model}.unique(${check.columns.join(', ')})`,
        whatToDo: `More than one row per ${check.columns.join(', ')}: a join in ${model} fans out; fix the model before publishing.`,
        sql: `SELECT ${cols.join(', ')}, count(*) AS copies FROM ${quotedIdentifier(model)} GROUP BY ALL HAVING count(*) > 1`,
      };
    case 'not_null':
      return {
        ...base,
        name: `${model}.not_null(${check.columns.join(', ')})`,
        whatToDo: `A required column of ${model} is empty: look at the rows returned and at the model's inputs.`,
        sql: `SELECT * FROM ${quotedIdentifier(model)} WHERE ${cols.map((c) => `${c} IS NULL`).join(' OR ')}`,
      };
    case 'accepted_values':
      return {
        ...base,
        name: `${model}.accepted_values(${check.columns[0]})`,
        whatToDo: `${model}.${check.columns[0]} holds a value outside ${check.values!.join(', ')}: a new code reached the model; map it or extend the definition.`,
        sql: `SELECT ${cols[0]}, count(*) AS n FROM ${quotedIdentifier(model)} WHERE ${cols[0]} IS NOT NULL AND ${cols[0]} NOT IN (${check.values!.map(quotedString).join(', ')}) GROUP BY ALL`,
      };
    case 'relationship': {
      const ref = check.references!;
      return {
        ...base,
        name: `${model}.${check.columns[0]} -> ${ref.table}.${ref.column}`,
        whatToDo: `Rows of ${model} name a ${ref.column} that ${ref.table} does not hold: an extract may be missing or late, or the directory lacks these entries; load it, or list the missing keys for the source system's team.`,
        sql: `SELECT m.${cols[0]}, count(*) AS n FROM ${quotedIdentifier(model)} m ANTI JOIN ${quotedIdentifier(ref.table)} r ON m.${cols[0]} = r.${quotedIdentifier(ref.column)} WHERE m.${cols[0]} IS NOT NULL GROUP BY ALL`,
      };
    }
  }
}

/** Custom checks: sql/checks/<name>.sql, with "-- Severity: error|warn" and "-- When it fires: …" in the header. */
export async function customChecks(dir: string): Promise<Check[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(dir, file), 'utf8');
      const header = (name: string) => new RegExp(`^--\\s*${name}:\\s*(.+)$`, 'im').exec(text)?.[1]?.trim();
      const severity = header('Severity');
      if (severity !== 'error' && severity !== 'warn') throw new Error(`check ${file} needs a "-- Severity: error|warn" line`);
      const whatToDo = header('When it fires');
      if (!whatToDo) throw new Error(`check ${file} needs a "-- When it fires: …" line`);
      return { name: basename(file, '.sql'), model: header('Checks') ?? '', severity, whatToDo, sql: text.replace(/;\s*$/, '') };
    }),
  );
}

export async function runChecks(warehouse: Warehouse, checks: Check[], runId: number): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const [row] = await warehouse.query<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM (${check.sql}) AS failing`);
    results.push({ ...check, failingRows: Number(row!.n) });
  }
  const values = results.map(
    (r) => `(${runId}, ${quotedString(r.name)}, ${quotedString(r.model)}, ${quotedString(r.severity)}, ${r.failingRows}, ${r.failingRows === 0}, ${quotedString(r.whatToDo)})`,
  );
  if (values.length) await warehouse.run(`INSERT INTO check_results VALUES ${values.join(', ')}`);
  return results;
}
