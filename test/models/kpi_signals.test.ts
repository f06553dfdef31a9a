// kpi_signals: the weekly headline numbers read as XmR charts. Each scenario
// is a service line of its own, so one build holds them all: 27 weeks of
// referrals from Monday 2026-01-05, the first 20 the baseline (12, 10, 12, …,
// 10: centre 11, every moving range 2, limits 11 ± 2.66 × 2 = 5.68 to 16.32),
// then the weeks each rule is about, with a near miss beside each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('kpi_signals', 'reference_benchmarks');

/**
 * buildWith for a few thousand rows: the rows of a table in one INSERT (the
 * helper's row-by-row inserts take a minute for this many), then the real models.
 */
async function buildMany(given: Partial<Record<'referrals' | 'visits' | 'referral_events' | 'appointments', Row[]>>, asOf: string, configGiven: object = MODEL_CONFIG): Promise<Warehouse> {
  const config = parseConfig(configGiven);
  const warehouse = await openWarehouse({ path: ':memory:', timezone: config.timezone });
  const defaults: Record<string, Row> = {
    referrals: { service_line: 'cardiology', referral_type: 'consult', urgency: 'routine', documents: null, has_invalid_referring_npi: false, source_file: 'referrals_test.csv' },
    visits: { source_file: 'visits_test.csv' },
    referral_events: { source_file: 'events_test.csv' },
    appointments: { service_line: 'cardiology', appointment_type: 'new_patient', source_file: 'appointments_test.csv' },
  };
  const literal = (value: Row[string]) => (value === null ? 'NULL' : typeof value === 'boolean' ? String(value) : sqlString(String(value)));
  for (const [table, rows] of Object.entries(given)) {
    if (!rows.length) continue;
    const full = rows.map((r) => ({ ...defaults[table], ...r }));
    const columns = Object.keys(full[0]!);
    // Plain values in a VALUES list; the times parsed once, in the SELECT over it.
    const select = columns.map((c) => (c.endsWith('_at') ? `refloop_parse_timestamp("${c}")` : `"${c}"`)).join(', ');
    const values = full.map((r) => `(${columns.map((c) => literal(r[c]!)).join(', ')})`).join(',\n');
    await warehouse.run(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${select} FROM (VALUES ${values}) AS t(${columns.map((c) => `"${c}"`).join(', ')})`);
  }
  await buildModels(warehouse, await readModels(SQL_DIR), config, await resolveAsOf(warehouse, asOf), 1);
  return warehouse;
}

/** The Monday of week n (1-based) from 2026-01-05. */
const monday = (n: number) => new Date(Date.UTC(2026, 0, 5 + 7 * (n - 1))).toISOString().slice(0, 10);
const tuesday = (n: number) => new Date(Date.UTC(2026, 0, 6 + 7 * (n - 1))).toISOString().slice(0, 10);
/** Monday after week 27: week 27 (2026-07-06) is this week. */
const AS_OF = '2026-07-13';
const BASELINE = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 12 : 10));

/** Weeks 21–27 of each scenario (weeks 1–20 are the baseline). */
const SCENARIOS: Record<string, number[]> = {
  inside: [11, 11, 11, 11, 11, 11, 16], // 16 < 16.32
  outside: [11, 11, 11, 11, 11, 11, 17], // 17 > 16.32
  run6: [12, 12, 12, 12, 12, 12, 11], // six above the centre, then on it
  run7: [12, 12, 12, 12, 12, 12, 12], // seven above
  trend5: [11, 11, 7, 8, 9, 10, 11], // five weeks rising (7 … 11)
  trend6: [11, 6, 7, 8, 9, 10, 11], // six weeks rising (6 … 11)
  unoffered: [11, 11, 11, 11, 11, 11, 17], // as outside, on a line the practice does not offer
  below_lower: [11, 11, 11, 11, 11, 11, 5], // 5 < 5.68
  below6: [11, 10, 10, 10, 10, 10, 10], // six below the centre (after one on it)
  below7: [10, 10, 10, 10, 10, 10, 11], // with the baseline's last week (10), seven below, then on it
  fall5: [11, 11, 15, 14, 13, 12, 11], // five weeks falling (15 … 11)
  fall6: [11, 16, 15, 14, 13, 12, 11], // six weeks falling (16 … 11)
  on_limits: [30, 30, 30, 30, 30, 51, 9], // on its own limits (30 ± 21): inside
};

/**
 * Scenarios with a baseline of their own. on_limits: mean 30, moving ranges
 * summing to 150 over 19 (7, then 8s, then 7), so the limits are 30 ± 2.66 ×
 * 150 / 19 = 30 ± 21 exactly (9 and 51, exact in floating point too).
 */
const OWN_BASELINE: Record<string, number[]> = {
  on_limits: Array.from({ length: 20 }, (_, i) => (i === 0 ? 33 : i === 19 ? 27 : i % 2 === 0 ? 34 : 26)),
};

/** Every scenario but unoffered is a configured service line, named by its id. */
const SIGNALS_CONFIG = {
  ...MODEL_CONFIG,
  service_lines: [...MODEL_CONFIG.service_lines, ...Object.keys(SCENARIOS).filter((line) => line !== 'unoffered').map((line) => ({ id: line, name: line }))],
};

function referrals(): { referrals: Row[]; visits: Row[] } {
  const rows: Row[] = [];
  const visits: Row[] = [];
  for (const [line, recent] of Object.entries(SCENARIOS)) {
    [...(OWN_BASELINE[line] ?? BASELINE), ...recent].forEach((count, w) => {
      for (let i = 0; i < count; i++) {
        const id = `${line}-${w + 1}-${i}`;
        rows.push({ referral_id: id, patient_key: id, service_line: line, received_at: `${tuesday(w + 1)} 10:00` });
        // run7's patients are seen 10 days after receipt: week 27's not yet at as_of (its later stage not mature).
        if (line === 'run7') visits.push({ visit_id: `V${id}`, referral_id: id, patient_key: id, service_line: line, visit_at: `${addDays(tuesday(w + 1), 10)} 10:00` });
      }
    });
  }
  return { referrals: rows, visits };
}

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 864e5).toISOString().slice(0, 10);

interface SignalRow {
  week: string;
  value: number | null;
  is_signal: boolean;
  signal_rule: string | null;
  signal_sentence: string | null;
  is_mature: boolean;
  centre_line: number | null;
  lower_limit: number | null;
  upper_limit: number | null;
}

let w: Warehouse;
beforeAll(async () => {
  w = await buildMany(referrals(), AS_OF, SIGNALS_CONFIG);
}, 120_000);
afterAll(async () => {
  await w?.close();
});

const series = (line: string, metric = 'referrals') =>
  w.query<SignalRow>(
    `SELECT week_start::VARCHAR AS week, value, is_signal, signal_rule, signal_sentence, is_mature, centre_line, lower_limit, upper_limit
     FROM kpi_signals WHERE service_line = '${line}' AND metric = '${metric}' ORDER BY week_start`,
  );
const signals = async (line: string, metric = 'referrals') => (await series(line, metric)).filter((r) => r.is_signal).map((r) => ({ week: r.week, rule: r.signal_rule }));

describe('kpi_signals: natural process limits', () => {
  it('sets the centre at the baseline mean and the limits at 2.66 mean moving ranges either side, the same every week', async () => {
    const rows = await series('inside');
    expect(rows).toHaveLength(27);
    for (const row of rows) {
      expect(row.centre_line).toBeCloseTo(11, 10);
      expect(row.lower_limit).toBeCloseTo(11 - 2.66 * 2, 10);
      expect(row.upper_limit).toBeCloseTo(11 + 2.66 * 2, 10);
    }
  });

  it('counts as the baseline the 20 first mature weeks while there are fewer than 32', async () => {
    const rows = await w.query<{ weeks: string }>(
      "SELECT string_agg(week_start::VARCHAR, ',' ORDER BY week_start) AS weeks FROM kpi_signals WHERE service_line = 'inside' AND metric = 'referrals' AND is_baseline",
    );
    expect(rows[0]!.weeks.split(',')).toEqual(Array.from({ length: 20 }, (_, i) => monday(i + 1)));
  });
});

describe('kpi_signals: the rules', () => {
  it('a point just inside the upper limit is no signal; one just outside is', async () => {
    expect(await signals('inside')).toEqual([]);
    expect(await signals('outside')).toEqual([{ week: monday(27), rule: 'beyond_limits' }]);
  });

  it('never signals a line the practice does not offer, though its limits are drawn', async () => {
    const rows = await series('unoffered');
    expect(rows.at(-1)).toMatchObject({ value: 17, is_signal: false, signal_rule: null, signal_sentence: null });
    expect(rows.at(-1)!.upper_limit).toBeCloseTo(11 + 2.66 * 2, 10);
  });

  it('six weeks in a row above the centre line are no signal; the seventh is', async () => {
    expect(await signals('run6')).toEqual([]);
    expect(await signals('run7')).toEqual([{ week: monday(27), rule: 'run_above' }]);
  });

  it('five weeks in a row rising are no signal; the sixth is', async () => {
    expect(await signals('trend5')).toEqual([]);
    expect(await signals('trend6')).toEqual([{ week: monday(27), rule: 'trend_up' }]);
  });

  it('a point just below the lower limit is a signal; one on a limit, either limit, is not', async () => {
    expect(await signals('below_lower')).toEqual([{ week: monday(27), rule: 'beyond_limits' }]);
    const rows = await series('on_limits');
    expect(rows.at(-1)).toMatchObject({ value: 9, lower_limit: 9, upper_limit: 51, centre_line: 30 });
    expect(rows.at(-2)).toMatchObject({ value: 51 });
    expect(await signals('on_limits')).toEqual([]);
  });

  it('six weeks in a row below the centre line are no signal; the seventh is', async () => {
    expect(await signals('below6')).toEqual([]);
    expect(await signals('below7')).toEqual([{ week: monday(26), rule: 'run_below' }]);
  });

  it('five weeks in a row falling are no signal; the sixth is', async () => {
    expect(await signals('fall5')).toEqual([]);
    expect(await signals('fall6')).toEqual([{ week: monday(27), rule: 'trend_down' }]);
  });

  it('calls a signal an improvement when it moved the way that is better for the metric', async () => {
    const judged = await w.query<{ service_line: string; is_improvement: boolean }>(
      "SELECT service_line, is_improvement FROM kpi_signals WHERE metric = 'referrals' AND is_signal AND service_line <> 'all' ORDER BY service_line",
    );
    expect(judged).toEqual([
      { service_line: 'below7', is_improvement: false },
      { service_line: 'below_lower', is_improvement: false },
      { service_line: 'fall6', is_improvement: false },
      { service_line: 'outside', is_improvement: true },
      { service_line: 'run7', is_improvement: true },
      { service_line: 'trend6', is_improvement: true },
    ]);
    expect(await w.query("SELECT count(*)::INTEGER AS n FROM kpi_signals WHERE NOT is_signal AND is_improvement IS NOT NULL")).toEqual([{ n: 0 }]);
  });

  it('says each signal in one sentence with its numbers, and nothing where nothing changed', async () => {
    const sentences = await w.query<{ service_line: string; signal_sentence: string }>(
      "SELECT service_line, signal_sentence FROM kpi_signals WHERE metric = 'referrals' AND signal_sentence IS NOT NULL AND service_line <> 'all' ORDER BY service_line",
    );
    expect(sentences).toEqual([
      { service_line: 'below7', signal_sentence: 'Referrals received, below7: below the centre line of 11.0 for 7 weeks in a row, 10 in the week of 29 Jun 2026: a concern.' },
      { service_line: 'below_lower', signal_sentence: 'Referrals received, below_lower: 5 in the week of 6 Jul 2026, below the lower limit of 5.7 (centre 11.0): a concern.' },
      { service_line: 'fall6', signal_sentence: 'Referrals received, fall6: down 6 weeks in a row, from 16 in the week of 1 Jun 2026 to 11 in the week of 6 Jul 2026: a concern.' },
      { service_line: 'outside', signal_sentence: 'Referrals received, outside: 17 in the week of 6 Jul 2026, above the upper limit of 16.3 (centre 11.0): an improvement.' },
      { service_line: 'run7', signal_sentence: 'Referrals received, run7: above the centre line of 11.0 for 7 weeks in a row, 12 in the week of 6 Jul 2026: an improvement.' },
      { service_line: 'trend6', signal_sentence: 'Referrals received, trend6: up 6 weeks in a row, from 6 in the week of 1 Jun 2026 to 11 in the week of 6 Jul 2026: an improvement.' },
    ]);
  });

  it('never signals a week that is not mature: run7 is seen 10 days after receipt, so its last weeks would fall below the lower limit', async () => {
    const rows = await series('run7', 'seen_within_14_days');
    const last = rows.at(-1)!;
    // Week 27's patients are seen after as_of: 0 so far, below the lower limit, but the week has not had 14 days.
    expect(last).toMatchObject({ week: monday(27), value: 0, is_mature: false, is_signal: false, signal_rule: null });
    expect(await w.query("SELECT count(*)::INTEGER AS n FROM kpi_signals WHERE is_baseline IS NULL OR (is_baseline AND NOT is_mature)")).toEqual([{ n: 0 }]);
    expect(last.lower_limit!).toBeGreaterThan(0);
    expect(rows.filter((r) => !r.is_mature).map((r) => r.week)).toEqual([monday(26), monday(27)]);
    expect(rows.filter((r) => r.is_signal)).toEqual([]);
  });

  it('keeps a number that cannot be computed null, with no limits and no signal (not 0)', async () => {
    // No appointments at all: no median days to appointment in any week.
    const rows = await series('inside', 'median_days_to_appointment');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ value: null, centre_line: null, lower_limit: null, upper_limit: null, is_signal: false, signal_sentence: null });
  });

  it('marks this week and the week each metric is shown for', async () => {
    const rows = await w.query<{ metric: string; week: string }>(
      "SELECT metric, week_start::VARCHAR AS week FROM kpi_signals WHERE service_line = 'run7' AND is_latest_mature_week AND metric IN ('referrals', 'seen_within_14_days') ORDER BY metric",
    );
    expect(rows).toEqual([
      { metric: 'referrals', week: monday(27) },
      { metric: 'seen_within_14_days', week: monday(25) },
    ]);
    expect(await w.query("SELECT DISTINCT week_start::VARCHAR AS week FROM kpi_signals WHERE is_this_week")).toEqual([{ week: monday(27) }]);
  });
});

describe('kpi_signals: the baseline with a longer history', () => {
  // 33 complete weeks (Mondays 2026-01-05 … 2026-08-17; as_of the Monday after): one referral a week on each line,
  // seen the next day, contacted within the SLA in odd weeks and never in even ones; booked for 5 days later in the
  // first 12 weeks (cardiology) or the first 11 (imaging), unbooked after.
  function history(): { referrals: Row[]; visits: Row[]; referral_events: Row[]; appointments: Row[] } {
    const given = { referrals: [] as Row[], visits: [] as Row[], referral_events: [] as Row[], appointments: [] as Row[] };
    for (const [line, booked] of [['cardiology', 12], ['imaging', 11]] as const) {
      for (let n = 1; n <= 33; n++) {
        const id = `${line}-${n}`;
        given.referrals.push({ referral_id: id, patient_key: id, service_line: line, received_at: `${tuesday(n)} 10:00` });
        given.visits.push({ visit_id: `V${id}`, referral_id: id, patient_key: id, service_line: line, visit_at: `${addDays(tuesday(n), 1)} 10:00` });
        if (n % 2 === 1) given.referral_events.push({ referral_id: id, event_type: 'contact_made', event_at: `${tuesday(n)} 11:00` });
        if (n <= booked) given.appointments.push({ appointment_id: `A${id}`, referral_id: id, patient_key: id, service_line: line, booked_at: `${tuesday(n)} 11:00`, start_at: `${addDays(tuesday(n), 5)} 09:00`, status: 'scheduled' });
      }
    }
    return given;
  }
  let h: Warehouse;
  beforeAll(async () => {
    h = await buildMany(history(), monday(34));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });
  const baselineWeeks = async (metric: string, line = 'cardiology') =>
    (await h.query<{ week: string }>(`SELECT week_start::VARCHAR AS week FROM kpi_signals WHERE service_line = '${line}' AND metric = '${metric}' AND is_baseline ORDER BY week_start`)).map((r) => r.week);
  const weeks = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => monday(from + i));

  it('with 32 or more mature weeks, takes the 20 before the latest 12', async () => {
    // Referrals: all 33 weeks mature; the latest 12 are weeks 22–33, the baseline weeks 2–21.
    expect(await baselineWeeks('referrals')).toEqual(weeks(2, 21));
  });

  it('with 31 mature weeks, still takes the first 20', async () => {
    // Seen within 14 days: weeks 32 and 33 are not 14 days old, 31 are mature.
    expect(await baselineWeeks('seen_within_14_days')).toEqual(weeks(1, 20));
  });

  it('needs 12 valued baseline weeks for limits: 11 give none', async () => {
    const centre = async (line: string) =>
      (await h.query<{ c: number | null }>(`SELECT DISTINCT centre_line AS c FROM kpi_signals WHERE service_line = '${line}' AND metric = 'median_days_to_appointment'`)).map((r) => r.c);
    expect(await centre('cardiology')).toEqual([5]);
    expect(await centre('imaging')).toEqual([null]);
  });

  it('shows a rate\'s limits within 0 and 100%', async () => {
    // The SLA rate swings between 0 and 1 every week: centre ± 2.66 would pass both bounds.
    const limits = await h.query("SELECT DISTINCT lower_limit, upper_limit FROM kpi_signals WHERE service_line = 'cardiology' AND metric = 'contact_sla_met_rate'");
    expect(limits).toEqual([{ lower_limit: 0, upper_limit: 1 }]);
  });
});

describe('kpi_signals: targets (config targets → config_targets)', () => {
  /** One cardiology referral a week for 14 weeks, each booked at receipt for 10 days later; every other one contacted within the SLA. */
  function booked(): { referrals: Row[]; referral_events: Row[]; appointments: Row[] } {
    const referrals: Row[] = [];
    const referral_events: Row[] = [];
    const appointments: Row[] = [];
    for (let n = 1; n <= 14; n++) {
      for (let i = 0; i < 2; i++) {
        const id = `T${n}-${i}`;
        referrals.push({ referral_id: id, patient_key: id, received_at: `${tuesday(n)} 10:00` });
        if (i === 0) referral_events.push({ referral_id: id, event_type: 'contact_made', event_at: `${tuesday(n)} 12:00` });
        appointments.push({ appointment_id: `A${id}`, referral_id: id, patient_key: id, booked_at: `${tuesday(n)} 11:00`, start_at: `${addDays(tuesday(n), 10)} 09:00`, status: 'scheduled' });
      }
    }
    return { referrals, referral_events, appointments };
  }

  const judged = async (targets: object) => {
    const warehouse = await buildMany(booked(), '2026-04-13', { ...MODEL_CONFIG, targets });
    try {
      return await warehouse.query<{ metric: string; value: number | null; target: number | null; is_target_met: boolean | null }>(
        `SELECT metric, value, target, is_target_met FROM kpi_signals
         WHERE service_line = 'cardiology' AND is_latest_mature_week AND metric IN ('median_days_to_appointment', 'contact_sla_met_rate', 'loop_closure_rate', 'referrals') ORDER BY metric`,
      );
    } finally {
      await warehouse.close();
    }
  };

  it('meets a "lower is better" target at the boundary and misses it just below; a rate target by the share; no value is not judged', async () => {
    const atTarget = await judged({ days_to_first_appointment: 10, contact_sla_met_rate: 0.5, loop_closure_rate: 0.9 });
    expect(atTarget).toEqual([
      { metric: 'contact_sla_met_rate', value: 0.5, target: 0.5, is_target_met: true },
      // Nobody was seen: no loop-closure rate to judge.
      { metric: 'loop_closure_rate', value: null, target: 0.9, is_target_met: null },
      { metric: 'median_days_to_appointment', value: 10, target: 10, is_target_met: true },
      { metric: 'referrals', value: 2, target: null, is_target_met: null },
    ]);
    const missed = await judged({ days_to_first_appointment: 9.5, contact_sla_met_rate: 0.51 });
    expect(missed.map((r) => [r.metric, r.target, r.is_target_met])).toEqual([
      ['contact_sla_met_rate', 0.51, false],
      ['loop_closure_rate', null, null],
      ['median_days_to_appointment', 9.5, false],
      ['referrals', null, null],
    ]);
  }, 60_000);

  it('refuses a target outside its range, naming the key', () => {
    expect(() => parseConfig({ ...MODEL_CONFIG, targets: { loop_closure_rate: 1.2 } })).toThrow(/targets\.loop_closure_rate/);
    expect(() => parseConfig({ ...MODEL_CONFIG, targets: { days_to_first_appointment: 0 } })).toThrow(/targets\.days_to_first_appointment/);
    expect(() => parseConfig({ ...MODEL_CONFIG, targets: { seen_share: 0.5 } })).toThrow(/seen_share/);
    expect(parseConfig(MODEL_CONFIG).targets).toEqual({});
  });
});

describe('reference_benchmarks: published references as data, matched to service lines', () => {
  it('draws a specialty figure for a line named by it (id, name or alias) and the all-specialty figure otherwise', async () => {
    const config = {
      timezone: 'America/New_York',
      service_lines: [
        { id: 'heart', name: 'Heart Center', aliases: ['Cardiology'] },
        { id: 'ortho', name: 'Bones', aliases: ['Orthopaedic Surgery'] },
        { id: 'derm', name: 'Dermatology' },
        { id: 'sleep', name: 'Sleep medicine' },
      ],
    };
    const warehouse = await buildWith({}, '2026-03-02', config);
    try {
      const days = await warehouse.query(
        "SELECT service_line, specialty, value, label, year FROM reference_benchmarks WHERE reference = 'amn_merritt_hawkins_wait_times' ORDER BY service_line",
      );
      expect(days).toEqual([
        { service_line: 'all', specialty: 'all', value: 31, label: 'AMN/Merritt Hawkins 2025: 31 days (all)', year: 2025 },
        { service_line: 'derm', specialty: 'dermatology', value: 36.5, label: 'AMN/Merritt Hawkins 2025: 36.5 days (dermatology)', year: 2025 },
        { service_line: 'heart', specialty: 'cardiology', value: 33, label: 'AMN/Merritt Hawkins 2025: 33 days (cardiology)', year: 2025 },
        { service_line: 'ortho', specialty: 'orthopedics', value: 12, label: 'AMN/Merritt Hawkins 2025: 12 days (orthopedics)', year: 2025 },
        { service_line: 'sleep', specialty: 'all', value: 31, label: 'AMN/Merritt Hawkins 2025: 31 days (all)', year: 2025 },
      ]);
      // Every line and the practice get the CMS #374 median and 90th percentile and the VA's 28 days.
      const others = await warehouse.query<{ benchmark_id: string; value: number; lines: number; version: string }>(
        "SELECT benchmark_id, value, count(*)::INTEGER AS lines, any_value(version) AS version FROM reference_benchmarks WHERE reference <> 'amn_merritt_hawkins_wait_times' GROUP BY ALL ORDER BY benchmark_id",
      );
      expect(others).toEqual([
        { benchmark_id: 'cms_2025_qid_374_median', value: 0.433, lines: 5, version: 'PY2025' },
        { benchmark_id: 'cms_2025_qid_374_p90', value: 0.952, lines: 5, version: 'PY2025' },
        { benchmark_id: 'va_2019_specialty_care_28_days', value: 28, lines: 5, version: '2019' },
      ]);
    } finally {
      await warehouse.close();
    }
  }, 60_000);
});
