// The config the models read, as tables: the SQL reads `config_params`,
// `config_service_lines`, `config_required_documents` and the SLA tables by
// name, like any other input (and local_date(ts), a macro with the practice's
// zone), so a model needs no templating and an analyst
// can see which settings built the marts.
import { sqlString } from '../contracts/value-sql.ts';
import type { RefloopConfig } from '../config/schema.ts';
import { REFERRAL_TYPES, URGENCIES } from '../config/schema.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';

export const CONFIG_TABLES = ['config_params', 'config_service_lines', 'config_required_documents', 'config_contact_sla', 'config_default_contact_sla'];

/** `as_of` as an instant: a date means midnight at its start, local time; default now. */
export async function resolveAsOf(warehouse: Warehouse, asOf: string | undefined): Promise<string> {
  const expression =
    asOf === undefined
      ? 'now()'
      : /^\d{4}-\d{2}-\d{2}$/.test(asOf)
        ? `refloop_local_instant(CAST(try_cast(${sqlString(asOf)} AS DATE) AS TIMESTAMP))`
        : `refloop_parse_timestamp(${sqlString(asOf)})`;
  const [row] = await warehouse.query<{ as_of: string | null }>(`SELECT CAST(${expression} AS VARCHAR) AS as_of`);
  if (!row?.as_of) throw new Error(`--as-of must be a date (YYYY-MM-DD) or a timestamp (YYYY-MM-DD HH:MM[:SS][±HH:MM]), not ${asOf}`);
  return row.as_of;
}

export function configTablesSql(config: RefloopConfig, asOf: string): string {
  const values = (rows: string[][]) => (rows.length ? `VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}` : '');
  const lines = config.service_lines;
  const documents = lines.flatMap((l) =>
    REFERRAL_TYPES.flatMap((t) => (l.required_documents[t] ?? []).map((d) => [sqlString(l.id), sqlString(t), sqlString(d)])),
  );
  const sla = lines.flatMap((l) => URGENCIES.map((u) => [sqlString(l.id), sqlString(u), String({ ...config.contact_sla_hours, ...l.contact_sla_hours }[u])]));
  return `
CREATE OR REPLACE TABLE config_params AS SELECT
  CAST(${sqlString(asOf)} AS TIMESTAMPTZ) AS as_of,
  ${sqlString(config.timezone)} AS timezone,
  ${config.match_window_days} AS match_window_days,
  ${config.leakage_window_days} AS leakage_window_days,
  ${config.source_window_days} AS source_window_days,
  ${config.min_cell_size} AS min_cell_size;
COMMENT ON TABLE config_params IS 'The settings the marts were built with: as_of (the moment the numbers are for), the time zone and the windows in days.';
-- The local date of an instant in the practice's zone. A macro with the zone
-- written in, because timezone() given the zone from a joined column sets up
-- its calendar for every row (about 4 µs a row, most of int_referrals).
CREATE OR REPLACE MACRO local_date(ts) AS CAST(timezone(${sqlString(config.timezone)}, ts) AS DATE);
CREATE OR REPLACE TABLE config_service_lines (service_line VARCHAR, name VARCHAR);
${lines.length ? `INSERT INTO config_service_lines ${values(lines.map((l) => [sqlString(l.id), sqlString(l.name)]))};` : ''}
COMMENT ON TABLE config_service_lines IS 'The service lines the practice offers; a referral for another is out of scope.';
CREATE OR REPLACE TABLE config_required_documents (service_line VARCHAR, referral_type VARCHAR, document_type VARCHAR);
${documents.length ? `INSERT INTO config_required_documents ${values(documents)};` : ''}
COMMENT ON TABLE config_required_documents IS 'Documents a referral packet must hold, per service line and referral type (a type not listed requires none).';
CREATE OR REPLACE TABLE config_contact_sla (service_line VARCHAR, urgency VARCHAR, sla_hours DOUBLE);
${sla.length ? `INSERT INTO config_contact_sla ${values(sla)};` : ''}
COMMENT ON TABLE config_contact_sla IS 'Hours within which a referral must be contacted, per service line and urgency.';
CREATE OR REPLACE TABLE config_default_contact_sla (urgency VARCHAR, sla_hours DOUBLE);
INSERT INTO config_default_contact_sla ${values(URGENCIES.map((u) => [sqlString(u), String(config.contact_sla_hours[u])]))};
COMMENT ON TABLE config_default_contact_sla IS 'The default contact SLA per urgency, for service lines the config does not list.';
`;
}
