// feed_health: feed_freshness as the Data health page shows it: ages rounded
// to whole hours, and the thresholds by newest record only for a feed judged
// by its newest record.
import { afterEach, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG } from '../helpers/models.ts';

const buildWith = buildingOnly('feed_freshness', 'feed_health');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const AS_OF = '2026-03-16 12:00';

describe('feed_health', () => {
  it('rounds the ages to whole hours and keeps the record thresholds only for a feed judged by its records', async () => {
    // Received 49 h 29 min before as_of (rounds down to 49); the file 10 h 31 min before (rounds up to 11).
    w = await buildWith({ referrals: [{ referral_id: 'R1', received_at: '2026-03-14 10:31' }] }, AS_OF);
    for (const [kind, file, at] of [
      ['referrals', 'referrals_a.csv', '2026-03-16 01:29'],
      ['providers', 'providers_a.csv', '2026-03-15 11:30'],
    ] as const) {
      await w.run(`INSERT INTO ingested_files (file, kind, source, ingested_at) VALUES (${sqlString(file)}, ${sqlString(kind)}, 'inbox', refloop_parse_timestamp(${sqlString(at)}))`);
    }
    const models = (await readModels(SQL_DIR)).filter((m) => m.name === 'feed_freshness' || m.name === 'feed_health');
    await buildModels(w, models, parseConfig(MODEL_CONFIG), await resolveAsOf(w, AS_OF), 2);
    const rows = await w.query<Record<string, unknown>>(
      `SELECT feed, state, hours_since_arrival, hours_since_newest_record, warn_hours, error_hours, data_warn_hours, data_error_hours, record_time, run_id::INTEGER AS run_id
       FROM feed_health WHERE feed IN ('referrals', 'providers') ORDER BY feed`,
    );
    const freshness = await w.query<Record<string, unknown>>(
      "SELECT feed, state, warn_hours, error_hours, data_warn_hours, data_error_hours FROM feed_freshness WHERE feed IN ('referrals', 'providers') ORDER BY feed",
    );
    expect(rows).toEqual([
      { feed: 'providers', state: freshness[0]!.state, hours_since_arrival: 25, hours_since_newest_record: null, warn_hours: freshness[0]!.warn_hours, error_hours: freshness[0]!.error_hours, data_warn_hours: null, data_error_hours: null, record_time: null, run_id: 2 },
      { feed: 'referrals', state: freshness[1]!.state, hours_since_arrival: 11, hours_since_newest_record: 49, warn_hours: 48, error_hours: 96, data_warn_hours: 96, data_error_hours: 168, record_time: 'received_at', run_id: 2 },
    ]);
    // The mart itself carries the arrival thresholds for providers: the page's blank is feed_health's rule.
    expect(freshness[0]!.data_warn_hours).not.toBeNull();
  });

  it('has one row per feed of feed_freshness, with its state', async () => {
    w = await buildWith({}, AS_OF);
    const [counts] = await w.query<{ health: number; freshness: number; same: number }>(
      `SELECT (SELECT count(*) FROM feed_health)::INTEGER AS health, (SELECT count(*) FROM feed_freshness)::INTEGER AS freshness,
              (SELECT count(*) FROM feed_health JOIN feed_freshness USING (feed) WHERE feed_health.state = feed_freshness.state AND feed_health.is_stale = feed_freshness.is_stale
                 AND feed_health.stale_reason IS NOT DISTINCT FROM feed_freshness.stale_reason)::INTEGER AS same`,
    );
    expect(counts).toEqual({ health: 7, freshness: 7, same: 7 });
  });
});
