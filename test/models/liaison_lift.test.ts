// liaison_lift: the difference in differences of a touch on a referrer's
// weekly referrals. A synthetic practice of 80 clinicians over 40 weeks from
// Monday 2026-01-05, each referring about 3 a week with noise; in weeks 21–28
// every clinician refers one more a week (a practice-wide rise the comparison
// must take out). Visits in week 20 to 25 clinicians add 2 a week on top for
// the 8 weeks after; calls in week 20 to 25 others add nothing. The rest are
// never touched. Then the near misses of each window and of how an activity
// names its clinician.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { quotedString as sqlString } from '../../src/warehouse/sql.ts';
import { npiCheckDigit } from '../../src/demo/practice.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { MODEL_CONFIG, type Row } from '../helpers/models.ts';

const CLINICIANS = 80;
const WEEKS = 40;
/** Monday after week 40: week 40 is the last complete week. */
const AS_OF = '2026-10-12';
const VISITED = range(0, 25);
const CALLED = range(25, 50);
const PLANTED_LIFT = 2;
const COMMON_RISE = 1;

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

const npi = (c: number) => {
  const first9 = `1${String(2_000_000 + c * 7919).padStart(8, '0')}`;
  return `${first9}${npiCheckDigit(first9)}`;
};
const monday = (week: number) => new Date(Date.UTC(2026, 0, 5 + 7 * (week - 1))).toISOString().slice(0, 10);
const wednesday = (week: number) => new Date(Date.UTC(2026, 0, 7 + 7 * (week - 1))).toISOString().slice(0, 10);

/** A seeded noise of −1, 0 or +1 for a clinician's week (mulberry32 of the pair). */
function noise(c: number, week: number): number {
  let t = (c * 7919 + week * 104_729 + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) % 3) - 1;
}

/** Extra referrals of a clinician's week, beyond the practice the tests share. */
type Extra = (c: number, week: number) => number;

function referralsOf(c: number, week: number, extra: Extra = () => 0): number {
  const rise = week >= 21 && week <= 28 ? COMMON_RISE : 0;
  const lift = VISITED.includes(c) && week >= 21 && week <= 28 ? PLANTED_LIFT : 0;
  return 3 + noise(c, week) + rise + lift + extra(c, week);
}

function practice(extra?: Extra): Record<string, Row[]> {
  const referrals: Row[] = [];
  for (let c = 0; c < CLINICIANS; c++) {
    for (let week = 1; week <= WEEKS; week++) {
      for (let i = 0; i < referralsOf(c, week, extra); i++) {
        referrals.push({ referral_id: `R${c}-${week}-${i}`, patient_key: `P${c}-${week}-${i}`, referring_npi: npi(c), received_at: `${wednesday(week)} 10:00` });
      }
    }
  }
  const activity = (id: string, week: number, type: string, to: { npi?: string; provider_id?: string; practice?: string }, day = wednesday(week), liaison = 'Dana Whitfield'): Row => ({
    activity_id: id,
    at: `${day} 11:00`,
    liaison,
    npi: to.npi ?? null,
    provider_id: to.provider_id ?? null,
    practice: to.practice ?? null,
    type,
  });
  const liaison_activities: Row[] = [
    // Clinician 24 is named by the source system's id, which the directory resolves to their NPI.
    // Visits by three liaisons: 9 by Colleen Byrne, 10 by Priya Raman, the other 6 by Dana Whitfield.
    ...VISITED.map((c) => activity(`V${c}`, 20, 'visit', c === 24 ? { provider_id: 'EPIC-24' } : { npi: npi(c) }, wednesday(20), c < 9 ? 'Colleen Byrne' : c < 19 ? 'Priya Raman' : 'Dana Whitfield')),
    // The calls are Marcus Reyes's, except one of Dana Whitfield's.
    ...CALLED.map((c) => activity(`C${c}`, 20, 'call', { npi: npi(c) }, wednesday(20), c === CALLED[0] ? 'Dana Whitfield' : 'Marcus Reyes')),
    // A second visit to clinician 0 in the same week is the same touch.
    activity('V0-again', 20, 'visit', { npi: npi(0) }, monday(20), 'Colleen Byrne'),
    // Emails: the 8 weeks after week 32 end with week 40 (counts); after week 33 they would need week 41 (does not).
    activity('E1', 32, 'email', { npi: npi(60) }),
    activity('E2', 33, 'email', { npi: npi(61) }),
    // Lunches: the 8 weeks before week 9 start with week 1, the first with referrals (counts); before week 8 they would not.
    activity('L1', 9, 'lunch', { npi: npi(62) }),
    activity('L2', 8, 'lunch', { npi: npi(63) }),
    // An event at an office reaches each clinician the directory lists there.
    activity('EV1', 20, 'event', { practice: 'Elm Street Family Medicine' }),
    // An activity after as_of is not known yet.
    activity('V-late', 20, 'visit', { npi: npi(70) }, '2026-10-13'),
    // An id the directory does not know reaches nobody.
    activity('C-unknown', 20, 'call', { provider_id: 'EPIC-NOBODY' }),
  ];
  const providers: Row[] = [
    { npi: npi(24), provider_id: 'EPIC-24', name: 'Clinician 24', practice: 'Oak Clinic' },
    { npi: npi(64), provider_id: null, name: 'Clinician 64', practice: 'Elm Street Family Medicine' },
    { npi: npi(65), provider_id: null, name: 'Clinician 65', practice: 'Elm Street Family Medicine' },
  ];
  return { referrals, liaison_activities, providers };
}

const DEFAULTS: Record<string, Row> = {
  referrals: { service_line: 'cardiology', referral_type: 'consult', urgency: 'routine', documents: null, has_invalid_referring_npi: false, source_file: 'referrals_test.csv' },
  liaison_activities: { has_invalid_npi: false, source_file: 'liaison_activities_test.csv' },
  providers: { source_file: 'providers_test.csv' },
};

/** The tables in one INSERT each (thousands of rows), then the real models. */
async function build(given: Record<string, Row[]>, configGiven: object = MODEL_CONFIG): Promise<Warehouse> {
  const config = parseConfig(configGiven);
  const warehouse = await openWarehouse({ path: ':memory:', timezone: config.timezone });
  const literal = (value: Row[string]) => (value === null ? 'NULL' : typeof value === 'boolean' ? String(value) : sqlString(String(value)));
  for (const [table, rows] of Object.entries(given)) {
    const full: Row[] = rows.map((r) => ({ ...DEFAULTS[table], ...(table === "providers" ? { provider_key: r.npi ?? r.provider_id ?? null } : {}), ...r }));
    const columns = Object.keys(full[0]!);
    const select = columns.map((c) => (c.endsWith('_at') || c === 'at' ? `refloop_parse_timestamp("${c}")` : `"${c}"`)).join(', ');
    const values = full.map((r) => `(${columns.map((c) => literal(r[c]!)).join(', ')})`).join(',\n');
    await warehouse.run(`INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${select} FROM (VALUES ${values}) AS t(${columns.map((c) => `"${c}"`).join(', ')})`);
  }
  await buildModels(warehouse, await readModels(SQL_DIR), config, await resolveAsOf(warehouse, AS_OF), 1);
  return warehouse;
}

interface LiftRow {
  activity_type: string;
  activities: number;
  touches: number;
  clinicians_touched_count: number;
  before_per_week: number | null;
  after_per_week: number | null;
  comparison_change_per_week: number | null;
  lift_per_week: number | null;
  lift_lower_90: number | null;
  lift_upper_90: number | null;
  is_lift_detected: boolean | null;
}

let w: Warehouse;
let lift: Record<string, LiftRow>;
beforeAll(async () => {
  w = await build(practice());
  const rows = await w.query<LiftRow>(
    'SELECT * EXCLUDE (as_of, run_id, liaison, activities, touches, clinicians_touched_count), activities::INTEGER AS activities, touches::INTEGER AS touches, clinicians_touched_count::INTEGER AS clinicians_touched_count FROM liaison_lift WHERE liaison = \'all\' ORDER BY activity_type',
  );
  lift = Object.fromEntries(rows.map((r) => [r.activity_type, r]));
}, 120_000);
afterAll(async () => {
  await w?.close();
});

describe('liaison_lift: the planted lift', () => {
  it('recovers the lift planted on visits inside its 90% interval, and calls it a lift', () => {
    const visit = lift.visit!;
    expect(visit.touches).toBe(25);
    expect(visit.lift_lower_90!).toBeLessThan(PLANTED_LIFT);
    expect(visit.lift_upper_90!).toBeGreaterThan(PLANTED_LIFT);
    expect(visit.is_lift_detected).toBe(true);
  });

  it('finds no lift in the calls, where none was planted', () => {
    const call = lift.call!;
    expect(call.touches).toBe(25);
    expect(call.lift_lower_90!).toBeLessThan(0);
    expect(call.lift_upper_90!).toBeGreaterThan(0);
    expect(call.is_lift_detected).toBe(false);
  });

  it('takes the practice-wide rise out through the clinicians not touched', () => {
    // A before/after change alone would give the calls a lift of about 1 (the rise) and the visits about 3.
    expect(lift.call!.comparison_change_per_week!).toBeGreaterThan(COMMON_RISE - 0.25);
    expect(lift.call!.comparison_change_per_week!).toBeLessThan(COMMON_RISE + 0.25);
    expect(lift.call!.after_per_week! - lift.call!.before_per_week!).toBeGreaterThan(COMMON_RISE - 0.25);
    expect(Math.abs(lift.call!.lift_per_week!)).toBeLessThan(0.25);
  });

  it('is the mean, over the touches, of the change less the comparison, by hand for the calls', async () => {
    const weekly = (c: number, from: number, to: number) => range(from, to + 1).reduce((sum, week) => sum + referralsOf(c, week), 0);
    const controls = range(0, CLINICIANS).filter((c) => ![...VISITED, ...CALLED, 60, 61, 62, 63, 64, 65].includes(c));
    // Clinicians 60–63 were touched in weeks 8, 9, 32 and 33, more than 8 weeks from week 20, and 70 only after as_of: they compare.
    const comparable = [...controls, 60, 61, 62, 63];
    const change = (c: number) => (weekly(c, 21, 28) - weekly(c, 12, 19)) / 8;
    const comparison = comparable.reduce((sum, c) => sum + change(c), 0) / comparable.length;
    const expected = CALLED.reduce((sum, c) => sum + change(c) - comparison, 0) / CALLED.length;
    expect(lift.call!.lift_per_week!).toBeCloseTo(expected, 10);
  });
});

describe('liaison_lift: by liaison', () => {
  it("measures each liaison's touches on their own, beside every liaison's together", async () => {
    const rows = await w.query<{ activity_type: string; liaison: string; touches: number }>(
      "SELECT activity_type, liaison, touches::INTEGER AS touches FROM liaison_lift WHERE activity_type = 'call' ORDER BY liaison",
    );
    expect(rows).toEqual([
      { activity_type: 'call', liaison: 'Dana Whitfield', touches: 1 },
      { activity_type: 'call', liaison: 'Marcus Reyes', touches: 24 },
      { activity_type: 'call', liaison: 'all', touches: 25 },
    ]);
  });

  it('calls a lift only from 10 touches: Priya Raman\'s 10 visits show one, Colleen Byrne\'s 9 clear 0 but are too few to judge', async () => {
    const visits = await w.query<{ liaison: string; touches: number; lift_lower_90: number; is_lift_detected: boolean | null }>(
      "SELECT liaison, touches::INTEGER AS touches, lift_lower_90, is_lift_detected FROM liaison_lift WHERE activity_type = 'visit' AND liaison IN ('Colleen Byrne', 'Priya Raman') ORDER BY liaison",
    );
    expect(visits.map((v) => [v.liaison, v.touches, v.is_lift_detected])).toEqual([
      ['Colleen Byrne', 9, null],
      ['Priya Raman', 10, true],
    ]);
    expect(visits[0]!.lift_lower_90).toBeGreaterThan(0);
  });
});

describe('liaison_lift: its windows and floor are config (outreach.lift)', () => {
  it('calls no lift from 10 touches when 11 are asked for, and counts the email of week 33 when the windows are 7 weeks', async () => {
    const other = await build(practice(), { ...MODEL_CONFIG, outreach: { lift: { min_touches: 11, window_weeks: 7 } } });
    try {
      const rows = await other.query<{ activity_type: string; liaison: string; touches: number; is_lift_detected: boolean | null }>(
        "SELECT activity_type, liaison, touches::INTEGER AS touches, is_lift_detected FROM liaison_lift WHERE (activity_type = 'visit' AND liaison = 'Priya Raman') OR (activity_type = 'email' AND liaison = 'all') ORDER BY activity_type",
      );
      expect(rows).toEqual([
        // Week 33 + 7 weeks ends with week 40, the last complete week: both emails count now.
        { activity_type: 'email', liaison: 'all', touches: 2, is_lift_detected: null },
        { activity_type: 'visit', liaison: 'Priya Raman', touches: 10, is_lift_detected: null },
      ]);
    } finally {
      await other.close();
    }
  }, 60_000);
});

describe('liaison_lift: which touches count', () => {
  it('counts a touch whose 8 weeks after end with the last complete week, not one a week later', () => {
    expect(lift.email).toMatchObject({ activities: 2, touches: 1, clinicians_touched_count: 1 });
  });

  it('counts a touch whose 8 weeks before start with the first week of referrals, not one a week earlier', () => {
    expect(lift.lunch).toMatchObject({ activities: 2, touches: 1, lift_lower_90: null, lift_upper_90: null, is_lift_detected: null });
  });

  it('reaches every clinician of an office the directory lists, and a clinician named by provider_id', () => {
    expect(lift.event).toMatchObject({ activities: 1, touches: 2, clinicians_touched_count: 2 });
    // Clinician 24's visit was named by EPIC-24: all 25 visited clinicians are touched; the repeat visit to clinician 0 is the same touch.
    expect(lift.visit).toMatchObject({ clinicians_touched_count: 25 });
  });

  it('leaves out an activity after as_of and one naming nobody the directory knows', () => {
    expect(lift.visit!.activities).toBe(26); // 25 visits + the repeat; not the one after as_of
    expect(lift.call!.activities).toBe(25);
  });
});

describe('liaison_lift: many rows judged at once', () => {
  /** The one-sided normal quantile (Acklam's rational approximation, refined by one Newton step on erfc: exact to 1e-9). */
  function normalQuantile(p: number): number {
    const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
    const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
    const q = p - 0.5;
    const r = q * q;
    let x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
    if (p < 0.02425 || p > 0.97575) {
      const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
      const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
      const t = Math.sqrt(-2 * Math.log(p > 0.5 ? 1 - p : p));
      x = (((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) / ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1);
      if (p > 0.5) x = -x;
    }
    return x;
  }

  it('sets the bar at the one-sided 5% quantile shared among the rows judged (Bonferroni), and calls a lift only above it', async () => {
    const rows = await w.query<{ touches: number; lift_z: number | null; rows_judged: number; z_needed: number; is_lift_detected: boolean | null }>(
      'SELECT touches::INTEGER AS touches, lift_z, rows_judged, z_needed, is_lift_detected FROM liaison_lift',
    );
    const judged = rows.filter((r) => r.lift_z !== null && r.touches >= 10).length;
    expect(judged).toBe(4);
    for (const r of rows) {
      expect(r.rows_judged).toBe(judged);
      expect(r.z_needed).toBeCloseTo(normalQuantile(1 - 0.05 / judged), 3);
      expect(r.is_lift_detected).toBe(r.lift_z === null || r.touches < 10 ? null : r.lift_z > r.z_needed);
    }
  });

  it('does not call a lift whose 90% interval clears 0 by less than the bar for four rows', async () => {
    // One more referral in the week after the call for every other called clinician: a small lift, about 0.06 a week.
    const nudged = await build(practice((c, week) => (CALLED.includes(c) && c % 2 === 1 && week === 21 ? 1 : 0)));
    try {
      const [call] = await nudged.query<{ lift_lower_90: number; lift_z: number; z_needed: number; is_lift_detected: boolean }>(
        "SELECT lift_lower_90, lift_z, z_needed, is_lift_detected FROM liaison_lift WHERE activity_type = 'call' AND liaison = 'all'",
      );
      expect(call!.lift_lower_90).toBeGreaterThan(0);
      expect(call!.lift_z).toBeGreaterThan(1.645);
      expect(call!.lift_z).toBeLessThan(call!.z_needed);
      expect(call!.is_lift_detected).toBe(false);
    } finally {
      await nudged.close();
    }
  }, 120_000);
});
