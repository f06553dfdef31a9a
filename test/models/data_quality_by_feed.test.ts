// data_quality_by_feed: data_quality's rows summed per issue and feed, over every detail.
import { afterEach, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG } from '../helpers/models.ts';

const buildWith = buildingOnly('data_quality', 'data_quality_by_feed');

/** Every model built again on the rows now in the warehouse (run 2). */
async function rebuild(warehouse: Warehouse): Promise<void> {
  const models = await readModels(SQL_DIR);
  await buildModels(warehouse, models, parseConfig(MODEL_CONFIG), await resolveAsOf(warehouse, '2026-03-01'), 2);
}

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('data_quality_by_feed', () => {
  it('sums an issue over its details, per feed, and matches data_quality row for row', async () => {
    // Appointments that link to no referral, in two service lines (two details of one issue), and one visit.
    const appointment = (id: string, service_line: string) => ({ appointment_id: id, patient_key: `P-${id}`, service_line, booked_at: '2026-02-01 09:00', start_at: '2026-02-03 09:00' });
    w = await buildWith(
      {
        appointments: [appointment('A1', 'cardiology'), appointment('A2', 'cardiology'), appointment('A3', 'imaging')],
        visits: [{ visit_id: 'V1', patient_key: 'P-V1', service_line: 'cardiology', visit_at: '2026-02-03 09:00' }],
      },
      '2026-03-01',
    );
    // One issue in two feeds: records quarantined from referrals (two reasons) and from visits.
    for (const [kind, column, reason] of [['referrals', 'received_at', 'not a timestamp'], ['referrals', 'urgency', 'not a value'], ['visits', 'visit_at', 'not a timestamp']]) {
      await w.run(`INSERT INTO quarantine (file, line, column_name, reason, kind, run_id) VALUES ('f.csv', 2, '${column}', '${reason}', '${kind}', 1)`);
    }
    await rebuild(w);
    const detail = await w.query<{ issue: string; feed: string; detail: string; rows: number }>(
      "SELECT issue, feed, detail, rows::INTEGER AS rows FROM data_quality WHERE issue IN ('unlinked_appointment', 'unlinked_visit') ORDER BY issue, detail",
    );
    expect(detail).toEqual([
      { issue: 'unlinked_appointment', feed: 'appointments', detail: 'cardiology', rows: 2 },
      { issue: 'unlinked_appointment', feed: 'appointments', detail: 'imaging', rows: 1 },
      { issue: 'unlinked_visit', feed: 'visits', detail: 'cardiology', rows: 1 },
    ]);
    expect(
      await w.query("SELECT issue, feed, rows::INTEGER AS rows, run_id::INTEGER AS run_id FROM data_quality_by_feed WHERE issue IN ('unlinked_appointment', 'unlinked_visit', 'quarantined') ORDER BY issue, feed"),
    ).toEqual([
      { issue: 'quarantined', feed: 'referrals', rows: 2, run_id: 2 },
      { issue: 'quarantined', feed: 'visits', rows: 1, run_id: 2 },
      { issue: 'unlinked_appointment', feed: 'appointments', rows: 3, run_id: 2 },
      { issue: 'unlinked_visit', feed: 'visits', rows: 1, run_id: 2 },
    ]);
    const [totals] = await w.query<{ by_feed: number; all: number }>(
      'SELECT (SELECT sum(rows) FROM data_quality_by_feed)::INTEGER AS by_feed, (SELECT sum(rows) FROM data_quality)::INTEGER AS "all"',
    );
    expect(totals!.by_feed).toBe(totals!.all);
  });
});
