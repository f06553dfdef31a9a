// Outreach and capacity on the default demo practice, checked against what
// the demo planted: the dormant and declining clinicians are found (precision
// and recall), the forecast beats seasonal naive in its backtest, and the
// planted capacity shortfall weeks are flagged.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, generateDemo, TRUTH_FILE } from '../../pipelines/demo.ts';
import { ingestInbox } from '../../pipelines/ingest.ts';
import { transform } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { DEFAULT_DEMO } from '../../src/demo/practice.ts';
import { startRun } from '../../src/warehouse/runs.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { TEST_KEY } from '../helpers/ingest.ts';

let dir: string;
let w: Warehouse;
let truth: { planted: { dormant: { npi: string }[]; declining: { npi: string }[]; capacity_shortfall_weeks: { service_line: string; week_start: string }[] } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-truth-'));
  const inbox = join(dir, 'inbox');
  await generateDemo(DEFAULT_DEMO, inbox);
  truth = JSON.parse(await readFile(join(inbox, TRUTH_FILE), 'utf8'));
  const config = parseConfig(demoConfig());
  w = await openWarehouse({ path: join(dir, 'w.duckdb'), timezone: config.timezone, pseudonymKey: TEST_KEY });
  await ingestInbox(w, config, inbox, await startRun(w, 'ingest'), { workDir: join(dir, '.refloop-work'), settleSeconds: 0 });
  // The demo's last day is Sunday 2026-11-22: numbers as of the Monday after.
  await transform(w, config, { asOf: '2026-11-23', runId: 2, snapshotDir: join(dir, 'published') });
}, 300_000);
afterAll(async () => {
  await w?.close();
  await rm(dir, { recursive: true, force: true });
});

function score(found: string[], planted: string[]) {
  const hits = found.filter((n) => planted.includes(n)).length;
  return { found: found.length, planted: planted.length, hits, precision: found.length ? hits / found.length : 1, recall: hits / planted.length };
}

describe('outreach on the demo practice', () => {
  it('finds the planted dormant clinicians', async () => {
    const found = (await w.query<{ npi: string }>("SELECT npi FROM outreach_priorities WHERE category = 'dormant'")).map((r) => r.npi);
    const s = score(found, truth.planted.dormant.map((d) => d.npi));
    console.log('dormant', s);
    expect(s.recall).toBeGreaterThanOrEqual(5 / 6);
    expect(s.precision).toBeGreaterThanOrEqual(0.8);
  });

  it('finds the planted declining clinicians', async () => {
    const found = (await w.query<{ npi: string }>("SELECT npi FROM outreach_priorities WHERE category = 'declining'")).map((r) => r.npi);
    const s = score(found, truth.planted.declining.map((d) => d.npi));
    console.log('declining', s);
    expect(s.recall).toBeGreaterThanOrEqual(4 / 6);
    expect(s.precision).toBeGreaterThanOrEqual(0.8);
  });
});

describe('capacity on the demo practice', () => {
  it('beats seasonal naive in the backtest on every service line', async () => {
    const rows = await w.query<{ service_line: string; model: string; mase: number; seasonal_naive_mase: number }>('SELECT service_line, model, mase, seasonal_naive_mase FROM forecast_backtest ORDER BY 1');
    console.log('backtest', rows);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.model).toBe('seasonal');
      expect(row.mase, row.service_line).toBeLessThan(1);
    }
  });

  it('flags the planted shortfall weeks', async () => {
    const flagged = await w.query<{ service_line: string; week: string }>("SELECT service_line, week_start::VARCHAR AS week FROM capacity_forecast WHERE is_short ORDER BY 1, 2");
    console.log('short weeks', flagged);
    for (const planted of truth.planted.capacity_shortfall_weeks) {
      expect(flagged, `${planted.service_line} ${planted.week_start}`).toContainEqual({ service_line: planted.service_line, week: planted.week_start });
    }
  });
});
