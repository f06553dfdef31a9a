// The config as tables the SQL reads: config_thresholds holds every outreach,
// forecast and report threshold under its config key, config_buckets the
// bucket edges; both keep today's values as defaults and refuse a bad value.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { bucketRows, resolveAsOf, thresholdColumns } from '../../src/models/config-tables.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG } from '../helpers/models.ts';

const buildWith = buildingOnly('document_gaps', 'funnel_cohort');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const DEFAULTS = {
  outreach_recent_days: 91,
  dormant_min_referrals: 6,
  dormant_max_chance: 0.001,
  declining_min_baseline_referrals: 12,
  declining_max_share_of_expected: 0.6,
  declining_max_chance: 0.02,
  coaching_min_in_scope: 20,
  coaching_prior_strength: 20,
  coaching_min_rate_above_practice: 0.15,
  growth_min_peer_median: 6,
  growth_max_referrals: 2,
  growth_min_referring_peers: 5,
  growth_confidence: 0.5,
  lift_window_weeks: 8,
  lift_min_touches: 10,
  tier_a_min_visits: 24,
  tier_b_min_visits: 6,
  lift_active_weeks: 52,
  forecast_rates_from_days: 365,
  forecast_rates_to_days: 90,
  document_gaps_min_source_referrals: 20,
  buckets_window_days: 182,
  funnel_cohort_from_days: 120,
  funnel_cohort_to_days: 30,
};

const problems = (config: object) => {
  try {
    parseConfig({ ...MODEL_CONFIG, ...config });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('config_thresholds', () => {
  it('holds today’s values by default, each column named for its config key', () => {
    const columns = thresholdColumns(parseConfig(MODEL_CONFIG));
    expect(Object.fromEntries(columns.map(([name, value]) => [name, value]))).toEqual(DEFAULTS);
    for (const [name, , meaning] of columns) expect(meaning, name).toMatch(/^(outreach|forecast|document_gaps|buckets|funnel_cohort)\.[a-z_.]+: /);
  });

  it('takes each value from its key, and the warehouse table holds them', async () => {
    const config = {
      ...MODEL_CONFIG,
      outreach: {
        recent_days: 70,
        dormant: { min_referrals: 8, max_chance: 0.01 },
        declining: { min_baseline_referrals: 10, max_share_of_expected: 0.5, max_chance: 0.05 },
        coaching: { min_in_scope: 30, prior_strength: 10, min_rate_above_practice: 0.2 },
        growth: { min_peer_median: 4, max_referrals: 1, min_referring_peers: 3, confidence: 0.4 },
        lift: { window_weeks: 6, min_touches: 12, active_weeks: 26 },
        tiers: { a_min_visits: 30, b_min_visits: 10 },
      },
      forecast: { rates_from_days: 300, rates_to_days: 60 },
      document_gaps: { min_source_referrals: 15 },
      buckets: { window_days: 91 },
      funnel_cohort: { from_days: 100, to_days: 20 },
    };
    const expected = {
      outreach_recent_days: 70,
      dormant_min_referrals: 8,
      dormant_max_chance: 0.01,
      declining_min_baseline_referrals: 10,
      declining_max_share_of_expected: 0.5,
      declining_max_chance: 0.05,
      coaching_min_in_scope: 30,
      coaching_prior_strength: 10,
      coaching_min_rate_above_practice: 0.2,
      growth_min_peer_median: 4,
      growth_max_referrals: 1,
      growth_min_referring_peers: 3,
      growth_confidence: 0.4,
      lift_window_weeks: 6,
      lift_min_touches: 12,
      tier_a_min_visits: 30,
      tier_b_min_visits: 10,
      lift_active_weeks: 26,
      forecast_rates_from_days: 300,
      forecast_rates_to_days: 60,
      document_gaps_min_source_referrals: 15,
      buckets_window_days: 91,
      funnel_cohort_from_days: 100,
      funnel_cohort_to_days: 20,
    };
    expect(Object.fromEntries(thresholdColumns(parseConfig(config)).map(([name, value]) => [name, value]))).toEqual(expected);
    w = await buildWith({}, '2026-03-01', config);
    expect(await w.query('SELECT * FROM config_thresholds')).toEqual([expected]);
    expect(await w.query("SELECT count(*)::INTEGER AS n FROM duckdb_columns() WHERE table_name = 'config_thresholds' AND comment IS NULL")).toEqual([{ n: 0 }]);
  });

  it('refuses thresholds that cannot work', () => {
    expect(problems({ outreach: { growth: { min_peer_median: 2 } } })).toEqual([expect.stringMatching(/^\$\.outreach\.growth\.max_referrals: must be below min_peer_median/)]);
    expect(problems({ forecast: { rates_from_days: 90 } })).toEqual([expect.stringMatching(/^\$\.forecast\.rates_to_days: must be below rates_from_days/)]);
    expect(problems({ funnel_cohort: { from_days: 30 } })).toEqual([expect.stringMatching(/^\$\.funnel_cohort\.to_days: must be below from_days/)]);
    expect(problems({ outreach: { dormant: { max_chance: 0 } } })).toEqual([expect.stringMatching(/^\$\.outreach\.dormant\.max_chance: /)]);
    expect(problems({ outreach: { coaching: { min_rate_above_practice: 1.5 } } })).toEqual([expect.stringMatching(/^\$\.outreach\.coaching\.min_rate_above_practice: /)]);
    expect(problems({ outreach: { dormant: { min_referrals: 6, typo: 1 } } })).toEqual([expect.stringMatching(/^\$\.outreach\.dormant: /)]);
  });
});

describe('config_buckets', () => {
  it('holds each bucket with its lower edge (the previous upper one) and its upper edge, the last open', () => {
    const rows = bucketRows(parseConfig({ ...MODEL_CONFIG, buckets: { hours_to_contact: [{ label: 'fast', below: 4 }, { label: 'slow', below: 24 }, { label: 'late' }] } }));
    expect(rows.filter((r) => r.measure === 'hours_to_contact')).toEqual([
      { measure: 'hours_to_contact', bucket_order: 1, label: 'fast', lower_bound: 0, upper_bound: 4 },
      { measure: 'hours_to_contact', bucket_order: 2, label: 'slow', lower_bound: 4, upper_bound: 24 },
      { measure: 'hours_to_contact', bucket_order: 3, label: 'late', lower_bound: 24, upper_bound: null },
    ]);
    // Today's lead-time buckets by default: whole days 0–7, 8–14, 15–30, 31–60, over 60.
    expect(rows.filter((r) => r.measure === 'days_to_appointment').map((r) => [r.label, r.lower_bound, r.upper_bound])).toEqual([
      ['0–7 days', 0, 8],
      ['8–14 days', 8, 15],
      ['15–30 days', 15, 31],
      ['31–60 days', 31, 61],
      ['over 60 days', 61, null],
    ]);
  });

  it('refuses edges that do not rise, a closed last bucket, an open middle one and a repeated label', () => {
    const hours = (list: object[]) => problems({ buckets: { hours_to_contact: list } });
    expect(hours([{ label: 'a', below: 4 }, { label: 'b', below: 4 }, { label: 'c' }])).toEqual(['$.buckets.hours_to_contact[1].below: edges must rise: 4 is not above 4']);
    expect(hours([{ label: 'a', below: 4 }, { label: 'b', below: 8 }])).toEqual([expect.stringMatching(/^\$\.buckets\.hours_to_contact\[1\]\.below: the last bucket/)]);
    expect(hours([{ label: 'a' }, { label: 'b' }])).toEqual([expect.stringMatching(/^\$\.buckets\.hours_to_contact\[0\]\.below: every bucket but the last/)]);
    expect(hours([{ label: 'a', below: 4 }, { label: 'a' }])).toEqual(['$.buckets.hours_to_contact: bucket labels must be unique']);
  });
});

describe('resolveAsOf', () => {
  const resolved = async (asOf: string) => {
    w ??= await openWarehouse({ path: ':memory:', timezone: 'America/New_York' });
    return resolveAsOf(w, asOf);
  };

  it('takes a local date of 1901-01-01 through 2099-12-31, the dates an extract may hold', async () => {
    expect(await resolved('1901-01-01')).toMatch(/^1901-01-01 00:00:00/);
    expect(await resolved('2099-12-31')).toMatch(/^2099-12-31 00:00:00/);
    expect(await resolved('2099-12-31 23:59')).toMatch(/^2099-12-31 23:59:00/);
  });

  it('refuses a day either side of that range, and a far-off typo, before any model is built', async () => {
    for (const asOf of ['1900-12-31', '2100-01-01', '9999-01-01']) {
      await expect(resolved(asOf)).rejects.toThrow(`--as-of ${asOf} is outside 1901-01-01 to 2099-12-31`);
    }
  });

  it('judges a timestamp with an offset by its local date: 23:30 at UTC-12 on the last day is the next year in New York', async () => {
    await expect(resolved('2099-12-31T23:30:00-12:00')).rejects.toThrow('is outside');
    expect(await resolved('2099-12-31T23:30:00-05:00')).toMatch(/^2099-12-31 23:30:00/);
  });

  it('refuses what is not a date or timestamp at all', async () => {
    await expect(resolved('9999')).rejects.toThrow('--as-of must be a date (YYYY-MM-DD) or a timestamp');
  });
});
