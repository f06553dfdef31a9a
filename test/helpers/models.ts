// Model tests in "given these rows, expect these rows" form: rows go straight
// into the landing tables (times written as local wall-clock text, like the
// extracts), the real models are built for a given as_of, and a mart is read.
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildModels } from '../../src/models/build.ts';
import { modelsUpstreamOf } from '../../src/models/graph.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { quotedIdentifier, quotedString } from '../../src/warehouse/sql.ts';

export type Row = Record<string, string | number | boolean | null | string[]>;
export interface Given {
  referrals?: Row[];
  referral_events?: Row[];
  appointments?: Row[];
  visits?: Row[];
  providers?: Row[];
  capacity?: Row[];
}

export const MODEL_CONFIG = {
  timezone: 'America/New_York',
  service_lines: [
    { id: 'cardiology', name: 'Cardiology', required_documents: { consult: ['clinical_notes', 'insurance_card'] } },
    { id: 'imaging', name: 'Imaging', required_documents: { diagnostic: ['order'] }, contact_sla_hours: { routine: 48 } },
  ],
};

/** Defaults so a test names only the columns it is about. */
const DEFAULTS: Record<keyof Given, Row> = {
  referrals: { patient_key: 'P1', service_line: 'cardiology', referral_type: 'consult', urgency: 'routine', documents: ['clinical_notes', 'insurance_card'], has_invalid_referring_npi: false, source_file: 'referrals_test.csv' },
  referral_events: { source_file: 'events_test.csv' },
  appointments: { patient_key: 'P1', service_line: 'cardiology', appointment_type: 'new_patient', status: 'completed', source_file: 'appointments_test.csv' },
  visits: { patient_key: 'P1', service_line: 'cardiology', source_file: 'visits_test.csv' },
  providers: { source_file: 'providers_test.csv' },
  capacity: { source_file: 'capacity_test.csv' },
};

/**
 * Columns the ingest computes from others, so a test names only what the
 * extract holds: a provider's key is its valid NPI, else its provider_id (a
 * test gives provider_key itself to model a conflicting directory).
 */
function derived(table: keyof Given, row: Row): Row {
  if (table === 'providers') return { provider_key: row.npi ?? row.provider_id ?? null };
  return {};
}

function literal(column: string, value: Row[string]): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return `[${value.map(quotedString).join(', ')}]::VARCHAR[]`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (column.endsWith('_at')) return `refloop_parse_timestamp(${quotedString(value)})`;
  if (column === 'week_start') return `DATE ${quotedString(value)}`;
  return quotedString(value);
}

/** Builds every model on the given rows. */
export function buildWith(given: Given, asOf: string, config: object = MODEL_CONFIG): Promise<Warehouse> {
  return build(given, asOf, config);
}

/**
 * A buildWith that builds only the named models and the models they read: a
 * test file reads one or a few marts, and building the other sixty-odd models
 * cost most of its time. Reading a model left out fails (no such table).
 */
export function buildingOnly(...targets: string[]): typeof buildWith {
  return (given, asOf, config = MODEL_CONFIG) => build(given, asOf, config, targets);
}

async function build(given: Given, asOf: string, config: object, targets?: string[]): Promise<Warehouse> {
  const parsed = parseConfig(config);
  const warehouse = await openWarehouse({ path: ':memory:', timezone: parsed.timezone });
  for (const [table, rows] of Object.entries(given) as [keyof Given, Row[]][]) {
    for (const row of rows) {
      const full = { ...DEFAULTS[table], ...derived(table, row), ...row };
      const columns = Object.keys(full);
      await warehouse.run(
        `INSERT INTO ${table} (${columns.map(quotedIdentifier).join(', ')}) VALUES (${columns.map((c) => literal(c, full[c]!)).join(', ')})`,
      );
    }
  }
  const models = await readModels(SQL_DIR);
  const selected = targets ? modelsUpstreamOf(models, targets, warehouse.connection) : models;
  await buildModels(warehouse, selected, parsed, await resolveAsOf(warehouse, asOf), 1);
  return warehouse;
}

/** A select item: an instant column as wall-clock text (YYYY-MM-DD HH:MM) in the warehouse's time zone. */
export const local = (column: string) => `strftime(${column}, '%Y-%m-%d %H:%M') AS ${column}`;
