// A model is one SQL file: a header comment that states its grain and
// business rules in prose, one-line meanings of its columns, and the checks
// its rows must pass; then one SELECT. Its name is the file name, its layer
// the folder (staging, intermediate, marts).
//
//   -- Grain: one row per referral.
//   -- <business rules>
//   -- @column referral_id: the receiving practice's id for the referral
//   -- @unique referral_id
//   -- @not_null referral_id, received_at
//   -- @accepted_values urgency: routine, urgent, stat
//   -- @relationship referring_npi -> providers.npi (warn)
//   -- @view
//
// `@view` (intermediate models only) builds the model as a temporary view
// instead of a temporary table: for a cheap step (a filter, a lookup) whose
// readers are better off reading its inputs than a copy of a million rows.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export const LAYERS = ['staging', 'intermediate', 'marts'] as const;
export type Layer = (typeof LAYERS)[number];
export type Severity = 'error' | 'warn';

export interface ColumnCheck {
  kind: 'unique' | 'not_null' | 'accepted_values' | 'relationship';
  columns: string[];
  values?: string[];
  references?: { table: string; column: string };
  severity: Severity;
}

export interface Model {
  name: string;
  layer: Layer;
  path: string;
  grain: string;
  /** The header's prose: grain and business rules. */
  description: string;
  columns: Map<string, string>;
  checks: ColumnCheck[];
  /** Intermediate models only: built as a temporary view (`@view`) rather than a temporary table. */
  isView: boolean;
  sql: string;
}

export class ModelError extends Error {}

export async function readModels(sqlDir: string): Promise<Model[]> {
  const models: Model[] = [];
  for (const layer of LAYERS) {
    const dir = join(sqlDir, layer);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.sql')).sort();
    for (const file of files) models.push(parseModel(await readFile(join(dir, file), 'utf8'), layer, join(dir, file)));
  }
  return models;
}

export function parseModel(text: string, layer: Layer, path: string): Model {
  const name = basename(path, '.sql');
  const lines = text.split('\n');
  const headerEnd = lines.findIndex((l) => !l.startsWith('--'));
  const header = lines.slice(0, headerEnd === -1 ? lines.length : headerEnd).map((l) => l.replace(/^--\s?/, ''));
  const sql = lines.slice(headerEnd).join('\n').trim().replace(/;\s*$/, '');
  const prose = header.filter((l) => !l.startsWith('@'));
  const grainLine = prose.find((l) => /^grain:/i.test(l));
  if (!grainLine) throw new ModelError(`model ${name} (${path}) has no "-- Grain: …" line in its header`);
  const columns = new Map<string, string>();
  const checks: ColumnCheck[] = [];
  let isView = false;
  for (const line of header.filter((l) => l.startsWith('@'))) {
    const severity: Severity = /\(warn\)\s*$/.test(line) ? 'warn' : 'error';
    const body = line.replace(/\(warn\)\s*$/, '').trim();
    const [tag, ...rest] = body.split(/\s+/);
    const argument = rest.join(' ');
    switch (tag) {
      case '@column': {
        const match = /^(\w+):\s*(.+)$/.exec(argument);
        if (!match) throw new ModelError(`model ${name}: cannot read "${line}" (expected @column name: meaning)`);
        columns.set(match[1]!, match[2]!.trim());
        break;
      }
      case '@unique':
      case '@not_null':
        checks.push({ kind: tag.slice(1) as 'unique' | 'not_null', columns: splitList(argument), severity });
        break;
      case '@accepted_values': {
        const [column, values] = argument.split(':');
        checks.push({ kind: 'accepted_values', columns: [column!.trim()], values: splitList(values ?? ''), severity });
        break;
      }
      case '@relationship': {
        const match = /^(\w+)\s*->\s*(\w+)\.(\w+)$/.exec(argument);
        if (!match) throw new ModelError(`model ${name}: cannot read "${line}" (expected @relationship column -> table.column)`);
        checks.push({ kind: 'relationship', columns: [match[1]!], references: { table: match[2]!, column: match[3]! }, severity });
        break;
      }
      case '@view':
        if (layer !== 'intermediate') throw new ModelError(`model ${name}: @view is for intermediate models (staging models are views already, marts are tables)`);
        isView = true;
        break;
      default:
        throw new ModelError(`model ${name}: unknown annotation ${tag}`);
    }
  }
  return {
    name,
    layer,
    path,
    grain: grainLine.replace(/^grain:\s*/i, '').trim(),
    description: prose.join('\n').trim(),
    columns,
    checks,
    isView,
    sql,
  };
}

const splitList = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
