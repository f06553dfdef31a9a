// What every mart shares: each column carries its meaning as a comment, and
// every row is stamped with the as_of and the run that built it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildCapacityForecast, FORECAST_TABLES } from '../../src/forecast/capacity-step.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { MODEL_CONFIG } from '../helpers/models.ts';

const RUN_ID = 4242;
let w: Warehouse;
let marts: string[];

beforeAll(async () => {
  const config = parseConfig(MODEL_CONFIG);
  w = await openWarehouse({ path: ':memory:', timezone: config.timezone });
  await w.run(`INSERT INTO referrals (referral_id, patient_key, received_at, service_line, referral_type, urgency, documents, referring_npi, has_invalid_referring_npi, source_file)
               VALUES ('R1', 'P1', refloop_parse_timestamp('2026-03-02 09:00'), 'cardiology', 'consult', 'routine', ['clinical_notes']::VARCHAR[], '1234567893', false, 'referrals_test.csv')`);
  const models = await readModels(SQL_DIR);
  await buildModels(w, models, config, await resolveAsOf(w, '2026-03-09'), RUN_ID);
  await buildCapacityForecast(w);
  marts = [...models.filter((m) => m.layer === 'marts').map((m) => m.name), ...FORECAST_TABLES];
});
afterAll(async () => w?.close());

describe('every mart', () => {
  it('carries a comment on every column', async () => {
    const undocumented = await w.query(
      `SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN (${marts.map((m) => `'${m}'`).join(', ')}) AND comment IS NULL`,
    );
    expect(undocumented).toEqual([]);
  });

  it('stamps every row with the as_of and the run that built it', async () => {
    const problems: string[] = [];
    let stampedRows = 0;
    for (const mart of marts) {
      const columns = (await w.query<{ c: string }>(`SELECT column_name AS c FROM duckdb_columns() WHERE table_name = '${mart}'`)).map((r) => r.c);
      if (!columns.includes('as_of') || !columns.includes('run_id')) {
        problems.push(`${mart}: no as_of and run_id columns`);
        continue;
      }
      const [row] = await w.query<{ rows: number; wrong: number }>(
        `SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE run_id IS DISTINCT FROM ${RUN_ID} OR as_of IS DISTINCT FROM (SELECT as_of FROM config_params))::INTEGER AS wrong FROM "${mart}"`,
      );
      if (row!.wrong > 0) problems.push(`${mart}: ${row!.wrong} rows not stamped with run ${RUN_ID} and its as_of`);
      stampedRows += row!.rows;
    }
    expect(problems).toEqual([]);
    expect(stampedRows).toBeGreaterThan(marts.length);
  });
});
