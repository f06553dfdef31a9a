// outreach_priorities and its four rule models (int_outreach_dormant,
// _declining, _coaching, _growth): each rule on a fixture of clinicians that
// meet it and near misses one step either side of each threshold, the
// thresholds read from the config, and the ranking.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';
import { every, npi, visitsFor } from './fixtures.ts';

const buildWith = buildingOnly('int_outreach_coaching', 'int_outreach_declining', 'int_outreach_dormant', 'int_outreach_growth', 'int_outreach_practice', 'outreach_priorities', 'referrers', 'source_quality');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** The recent window (outreach.recent_days, 91) starts at 2026-04-24 10:00. */
const AS_OF = '2026-07-24 10:00';

interface Flag {
  source: string;
  category: string;
  confidence: number;
  visits_at_stake: number;
  priority_score: number;
  reason: string;
}
const flagged = (warehouse: Warehouse, category: string) =>
  warehouse.query<Flag>(`SELECT source, category, confidence, visits_at_stake, priority_score, reason FROM outreach_priorities WHERE category = '${category}' ORDER BY source`);
const sources = (rows: { source: string }[]) => rows.map((r) => r.source).sort();
const conversionOf = async (warehouse: Warehouse, source: string) =>
  (await warehouse.query<{ c: number }>(`SELECT conversion_shrunk AS c FROM source_quality WHERE source = '${source}'`))[0]!.c;

/** Poisson P(X <= k) for mean m. */
function poissonAtMost(k: number, m: number): number {
  let term = Math.exp(-m);
  let sum = term;
  for (let i = 1; i <= k; i++) sum += (term *= m / i);
  return sum;
}

/** `count` referrals spread evenly from `first` over `days`. */
const spread = (source: string, first: string, count: number, days: number, tag: string, extra: Row = {}) => every(source, first, count, days / count, extra, tag);

describe('dormant', () => {
  const N1 = npi(1);
  const D6 = npi(2);
  const D5 = npi(3);
  const C140 = npi(4);
  const C136 = npi(5);
  const RECENT = npi(6);
  const BEFORE = npi(7);
  const TWO = npi(8);
  const HISTORY = npi(9);
  const BUSY = npi(10);
  const d6 = every(D6, '2026-03-29 10:00', 6, 5);

  it('flags a silence improbable at the clinician’s own pace, one step past each threshold, and no near miss', async () => {
    w = await buildWith(
      {
        referrals: [
          // 21 referrals every 5 days from 2026-01-05 to 2026-04-15, then 100 silent days: chance exp(−20) → dormant.
          ...every(N1, '2026-01-05 10:00', 21, 5),
          // 6 referrals every 5 days, the last 2026-04-23 (92 silent days): pace 0.2 a day → dormant.
          ...d6,
          // The same pace with 5 referrals: fewer than dormant.min_referrals (6).
          ...every(D5, '2026-04-03 10:00', 5, 5),
          // 6 referrals 20 days apart (0.05 a day): silent 140 days (less one hour of summer time), chance 0.00091 < 0.001 → dormant;
          ...every(C140, '2025-11-26 10:00', 6, 20),
          // silent 136 days, chance 0.0011 → not dormant.
          ...every(C136, '2025-11-30 10:00', 6, 20),
          // 11 referrals every 2 days, then one 90.5 days before as_of: in the 91-day recent window, so not silent.
          ...every(RECENT, '2026-04-02 10:00', 11, 2),
          ...every(RECENT, '2026-04-24 22:00', 1, 0, {}, 'r'),
          // 11 referrals every 2 days, the last 91.5 days before as_of: just outside the recent window → dormant.
          ...every(BEFORE, '2026-04-03 22:00', 11, 2),
          // Two referrals ever: no pace to judge by, however long the silence.
          ...every(TWO, '2026-01-05 10:00', 2, 5),
          // A burst of 6 in the year (10 days apart, last 2026-02-25) after 6 referrals 40 days apart before it
          // (2024-12-01 to 2025-06-20): over the whole history the pace is 11 / 451 days, and 149 silent days come by
          // chance 0.027 → not dormant (the burst alone, 5 / 50 days, would make the silence improbable).
          ...every(HISTORY, '2026-01-06 10:00', 6, 10),
          ...every(HISTORY, '2024-12-01 10:00', 6, 40, {}, 'old'),
          // Busy in the recent window: the practice's recent referrals make N1's silence a drop too, but a dormant
          // clinician is not also declining.
          ...spread(BUSY, '2026-04-26 10:00', 40, 88, 'busy'),
        ],
        // Three of D6's six patients were seen: its conversion is not zero.
        visits: visitsFor(d6.slice(0, 3)),
      },
      AS_OF,
    );
    const rows = await flagged(w, 'dormant');
    expect(sources(rows)).toEqual([N1, D6, C140, BEFORE].sort());
    expect(await flagged(w, 'declining')).toEqual([]);
    const c140 = rows.find((r) => r.source === C140)!;
    const chance = Math.exp(-0.05 * (140 - 1 / 24));
    expect(c140.confidence).toBeCloseTo(1 - chance, 4);
    expect(c140.reason).toBe(
      `Referred 6 times in the year, about one every 20 days, then nothing for 140 days; at their own pace a silence this long comes by chance about once in ${Math.round(1 / chance).toLocaleString('en-US')}.`,
    );
    expect(rows.find((r) => r.source === N1)!.reason).toBe(
      'Referred 21 times in the year, about one every 5 days, then nothing for 100 days; at their own pace a silence this long comes by chance less than once in a million.',
    );
    // Visits at stake: the pace a year × their conversion; the score × confidence.
    const d6Row = rows.find((r) => r.source === D6)!;
    const conversion = await conversionOf(w, D6);
    expect(conversion).toBeGreaterThan(0);
    expect(d6Row.visits_at_stake).toBeCloseTo(0.2 * 365 * conversion, 2);
    expect(d6Row.priority_score).toBeCloseTo(0.2 * 365 * conversion * d6Row.confidence, 2);
    expect(await w.query(`SELECT source, rate_per_day, silent_days FROM int_outreach_dormant WHERE source = '${D6}'`)).toEqual([
      { source: D6, rate_per_day: 0.2, silent_days: 92 },
    ]);
  });

  it('reads its thresholds from the config', async () => {
    w = await buildWith(
      { referrals: [...d6, ...every(D5, '2026-04-03 10:00', 5, 5), ...every(C136, '2025-11-30 10:00', 6, 20)] },
      AS_OF,
      { ...MODEL_CONFIG, outreach: { dormant: { min_referrals: 5, max_chance: 0.002 } } },
    );
    expect(sources(await flagged(w, 'dormant'))).toEqual([D6, D5, C136].sort());
  });
});

describe('declining', () => {
  // The practice: 132 referrals in the baseline (the year before the recent 91 days), 143 in the recent window,
  // so a clinician's baseline share predicts 13/12 of their baseline count in the recent window.
  const X_IN = npi(21);
  const X_OUT = npi(22);
  const X_11 = npi(23);
  const Y_IN = npi(24);
  const Y_OUT = npi(25);
  const GROWING = npi(26);
  const clinician = (source: string, baseline: number, recent: number) => [
    ...spread(source, '2025-08-01 10:00', baseline, 260, 'b'),
    ...spread(source, '2026-04-26 10:00', recent, 88, 'r'),
  ];
  const xIn = clinician(X_IN, 12, 5);

  it('flags a drop below the baseline share beyond chance, one step past each threshold, and no near miss', async () => {
    expect([poissonAtMost(5, 13), poissonAtMost(6, 13)]).toEqual([expect.closeTo(0.0107, 4), expect.closeTo(0.0259, 4)]);
    w = await buildWith(
      {
        referrals: [
          ...xIn, // expected 13, got 5 (≤ 60%): chance P(≤5 | 13) = 0.011 < 0.02 → declining
          ...clinician(X_OUT, 12, 6), // expected 13, got 6: chance 0.026 → not
          ...clinician(X_11, 11, 1), // 11 in the baseline: fewer than declining.min_baseline_referrals (12)
          ...clinician(Y_IN, 48, 31), // expected 52, got 31 ≤ 31.2 (60%) → declining
          ...clinician(Y_OUT, 48, 32), // got 32 > 31.2 → not, though improbable
          ...clinician(GROWING, 1, 68), // the rest of the practice, growing
        ],
        visits: visitsFor(xIn.slice(0, 6)),
      },
      AS_OF,
    );
    const rows = await flagged(w, 'declining');
    expect(sources(rows)).toEqual([X_IN, Y_IN].sort());
    const x = rows.find((r) => r.source === X_IN)!;
    const chance = poissonAtMost(5, 13);
    expect(x.confidence).toBeCloseTo(1 - chance, 4);
    expect(x.reason).toBe(
      `5 referrals in the last 13 weeks where their usual share of the practice's referrals would give 13; down 62%, a drop this size comes by chance about once in ${Math.round(1 / chance)}.`,
    );
    const conversion = await conversionOf(w, X_IN);
    expect(conversion).toBeGreaterThan(0);
    expect(x.visits_at_stake).toBeCloseTo((((13 - 5) * 365) / 91) * conversion, 2);
    expect(await w.query(`SELECT recent_count::INTEGER AS recent, round(expected_recent, 9) AS expected FROM int_outreach_declining WHERE source = '${Y_IN}'`)).toEqual([
      { recent: 31, expected: 52 },
    ]);
  });

  it('flags a clinician exactly at 60% of the expected (boundary included)', async () => {
    // Practice: 120 in the baseline, 125 recent. Z_EQ's 48 of the baseline expect 50 recent; 30 is exactly 60%.
    const Z_EQ = npi(27);
    w = await buildWith({ referrals: [...clinician(Z_EQ, 48, 30), ...clinician(GROWING, 72, 95)] }, AS_OF);
    expect(await w.query('SELECT source, recent_count::INTEGER AS recent, expected_recent FROM int_outreach_declining')).toEqual([{ source: Z_EQ, recent: 30, expected_recent: 50 }]);
  });
});

describe('coaching', () => {
  // 374 in-scope referrals, 192 incomplete at receipt: the practice rate p = 192/374. Every complete packet
  // converts, no incomplete one does. Shrunk rate: (incomplete + 20p) / (in scope + 20).
  const BACKGROUND = npi(41);
  const C_IN = npi(42);
  const C_OUT = npi(43);
  const C_19 = npi(44);
  const C_20 = npi(45);
  const C_CI = npi(46);
  const p = 192 / 374;
  const shrunk = (incomplete: number, inScope: number) => (incomplete + 20 * p) / (inScope + 20);
  const office = (source: string, inScope: number, incomplete: number): Row[] =>
    spread(source, '2026-03-10 10:00', inScope, 31, '', {}).map((r, i) => (i < incomplete ? { ...r, documents: ['clinical_notes'] } : r));
  const fixture = () => {
    const referrals = [...office(BACKGROUND, 115, 0), ...office(C_IN, 100, 70), ...office(C_OUT, 100, 69), ...office(C_19, 19, 19), ...office(C_20, 20, 20), ...office(C_CI, 20, 14)];
    const complete = referrals.filter((r) => !Array.isArray(r.documents));
    return { referrals, visits: visitsFor(complete) };
  };

  it('flags offices whose shrunk incomplete rate is 15 points above the practice’s and beyond noise, and no near miss', async () => {
    // C_IN: shrunk − p = 0.1555; C_OUT 0.1472 (< 0.15); C_19 has 19 in-scope referrals (< 20); C_20 20 of 20 incomplete.
    expect(shrunk(70, 100) - p).toBeGreaterThan(0.155);
    expect(shrunk(69, 100) - p).toBeLessThan(0.148);
    w = await buildWith(fixture(), AS_OF);
    const rows = await flagged(w, 'coaching');
    expect(sources(rows)).toEqual([C_IN, C_20].sort());
    const c = rows.find((r) => r.source === C_IN)!;
    expect(c.confidence).toBe(1);
    // Extra incomplete packets × the conversion gap (1 − 0).
    expect(c.visits_at_stake).toBeCloseTo(100 * (shrunk(70, 100) - p), 2);
    expect(c.reason).toBe('70 of 100 packets arrived incomplete (70%, against 51% for the practice); incomplete packets convert 100 points less often.');
    expect(await w.query(`SELECT round(shrunk_rate, 12) AS s, round(practice_rate, 12) AS p FROM int_outreach_coaching WHERE source = '${C_20}'`)).toEqual([
      { s: Number(shrunk(20, 20).toFixed(12)), p: Number(p.toFixed(12)) },
    ]);
  });

  it('reads its thresholds from the config, and needs the 95% interval above the practice rate', async () => {
    // A practice of 109 in-scope referrals, 67 incomplete (q = 67/109). Without the 15-point margin and with 19
    // referrals enough: C_19 (19 of 19) and C_OK (32 of 40, 0.12 above q) pass; C_CI (16 of 20, 0.09 above q)
    // does not: its 95% interval reaches q (a 68% one would not).
    const q = 67 / 109;
    const s = (16 + 20 * q) / 40;
    expect(s - 1.96 * Math.sqrt((s * (1 - s)) / 41)).toBeLessThan(q);
    expect(s - Math.sqrt((s * (1 - s)) / 41)).toBeGreaterThan(q);
    const C_OK = npi(47);
    w = await buildWith(
      { referrals: [...office(BACKGROUND, 30, 0), ...office(C_19, 19, 19), ...office(C_CI, 20, 16), ...office(C_OK, 40, 32)] },
      AS_OF,
      { ...MODEL_CONFIG, outreach: { coaching: { min_in_scope: 19, min_rate_above_practice: 0 } } },
    );
    expect(sources(await flagged(w, 'coaching'))).toEqual([C_19, C_OK].sort());
  });
});

describe('coaching: the interval and the conversion gap', () => {
  // A practice of 150 in-scope referrals, 59 incomplete (q = 59/150), and no margin required. JUST (14 of 20) has its
  // 95% interval just above q, with the posterior's variance s(1 − s)/(n + 20 + 1) (by 0.00095; with n + 20 it would
  // not be). NOISY (15 of 24) clears q at z = 1.64 but not at 1.96. Here incomplete packets convert and complete ones
  // do not: the conversion gap is taken as 0, never negative.
  const BACKGROUND = npi(81);
  const JUST = npi(82);
  const NOISY = npi(83);
  const office = (source: string, inScope: number, incomplete: number): Row[] =>
    spread(source, '2026-03-10 10:00', inScope, 31, '', {}).map((r, i) => (i < incomplete ? { ...r, documents: ['clinical_notes'] } : r));

  it('flags an office whose 95% interval clears the practice rate by a hair, and not one that clears it only at a lower z', async () => {
    const q = 59 / 150;
    const bound = (k: number, n: number, extra: number, z = 1.96) => {
      const sr = (k + 20 * q) / (n + 20);
      return sr - z * Math.sqrt((sr * (1 - sr)) / (n + 20 + extra));
    };
    expect([bound(14, 20, 1) - q, bound(14, 20, 0) - q]).toEqual([expect.closeTo(0.00095, 5), expect.closeTo(-0.00094, 5)]);
    expect([bound(15, 24, 1) < q, bound(15, 24, 1, 1.64) > q]).toEqual([true, true]);
    const referrals = [...office(BACKGROUND, 106, 30), ...office(JUST, 20, 14), ...office(NOISY, 24, 15)];
    w = await buildWith({ referrals, visits: visitsFor(referrals.filter((r) => Array.isArray(r.documents))) }, AS_OF, {
      ...MODEL_CONFIG,
      outreach: { coaching: { min_rate_above_practice: 0 } },
    });
    const rows = await flagged(w, 'coaching');
    expect(rows.map((r) => [r.source, r.visits_at_stake])).toEqual([[JUST, 0]]);
    expect(rows[0]!.reason).toBe('14 of 20 packets arrived incomplete (70%, against 39% for the practice); incomplete packets convert 0 points less often.');
  });
});

describe('growth', () => {
  // Directory specialties: A's referring clinicians send a median of 6 a year (5 of them, plus two small referrers);
  // B's a median of 5; C has only 4 referring clinicians. Every referral was seen: the practice converts 1.0.
  let next = 60;
  const member = (specialty: string, referrals: number) => {
    const key = npi(next++);
    return { key, specialty, referrals };
  };
  const A = [6, 6, 6, 7, 8].map((n) => member('A', n));
  const A2 = member('A', 2);
  const A3 = member('A', 3);
  const A0 = [member('A', 0), member('A', 0), member('A', 0)];
  const B = [5, 5, 5, 6, 7].map((n) => member('B', n));
  const B0 = member('B', 0);
  const C = [8, 8, 8, 8].map((n) => member('C', n));
  const C0 = member('C', 0);
  const all = [...A, A2, A3, ...A0, ...B, B0, ...C, C0];
  const fixture = () => {
    const referrals = all.flatMap((m) => spread(m.key, '2026-01-05 10:00', m.referrals, 105, ''));
    return {
      providers: all.map((m, i) => ({ npi: m.key, name: `Dr ${i}`, specialty: m.specialty })),
      referrals,
      visits: visitsFor(referrals),
    };
  };

  it('flags directory clinicians who send 2 or fewer where their referring peers send a median of 6, and no near miss', async () => {
    // With the three silent members counted in, A's median would be 4.5; with every directory member counted, C would have 5.
    w = await buildWith(fixture(), AS_OF);
    const rows = await flagged(w, 'growth');
    expect(sources(rows)).toEqual([A2.key, ...A0.map((m) => m.key)].sort());
    const a2 = rows.find((r) => r.source === A2.key)!;
    expect(a2).toMatchObject({ confidence: 0.5, visits_at_stake: 4, priority_score: 2 });
    expect(a2.reason).toBe('Sent 2 referrals in the year; referring clinicians of the same specialty (A) send a median of 6.');
    expect(rows.find((r) => r.source === A0[0]!.key)).toMatchObject({ visits_at_stake: 6, priority_score: 3 });
    expect(await w.query("SELECT DISTINCT specialty, peer_median, referring_peers::INTEGER AS peers FROM int_outreach_growth")).toEqual([{ specialty: 'A', peer_median: 6, peers: 7 }]);
  });

  it('puts at stake the referrals a prospect falls short by, times the practice\'s conversion', async () => {
    // Every other referral seen (49 of 98): the practice converts 0.5, so A2's 6 − 2 missing referrals are 2 visits.
    const given = fixture();
    w = await buildWith({ ...given, visits: visitsFor(given.referrals.filter((_, i) => i % 2 === 0)) }, AS_OF);
    expect(await w.query('SELECT conversion_rate FROM int_outreach_practice')).toEqual([{ conversion_rate: 0.5 }]);
    expect((await flagged(w, 'growth')).find((r) => r.source === A2.key)).toMatchObject({ visits_at_stake: 2, priority_score: 1 });
  });

  it('reads its thresholds from the config', async () => {
    w = await buildWith(fixture(), AS_OF, { ...MODEL_CONFIG, outreach: { growth: { min_peer_median: 5, max_referrals: 3, min_referring_peers: 4, confidence: 0.25 } } });
    const rows = await flagged(w, 'growth');
    expect(sources(rows)).toEqual([A2.key, A3.key, ...A0.map((m) => m.key), B0.key, C0.key].sort());
    expect(rows.find((r) => r.source === B0.key)).toMatchObject({ confidence: 0.25, visits_at_stake: 5, priority_score: 1.25 });
  });

  it('ranks every flag on visits at stake × confidence, ties by source, and stamps the as_of and run', async () => {
    w = await buildWith(fixture(), AS_OF);
    const rows = await w.query<{ priority_rank: number; source: string; category: string; priority_score: number; as_of: string; run_id: number }>(
      "SELECT priority_rank::INTEGER AS priority_rank, source, category, priority_score, strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, run_id::INTEGER AS run_id FROM outreach_priorities ORDER BY priority_rank",
    );
    expect(rows.map((r) => r.priority_rank)).toEqual(rows.map((_, i) => i + 1));
    const expected = [...rows].sort((a, b) => b.priority_score - a.priority_score || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || (a.category < b.category ? -1 : 1));
    expect(rows.map((r) => `${r.source} ${r.category}`)).toEqual(expected.map((r) => `${r.source} ${r.category}`));
    expect(rows[0]!.priority_score).toBeGreaterThan(rows[rows.length - 1]!.priority_score);
    expect(new Set(rows.map((r) => `${r.as_of} ${r.run_id}`))).toEqual(new Set(['2026-07-24 10:00 1']));
  });
});

describe('int_outreach_practice', () => {
  it('splits recent from baseline at as_of − 91 days, and takes each rate over its own referrals', async () => {
    const S = npi(90);
    const r = (id: string, received_at: string, extra: Row = {}): Row => ({ referral_id: id, patient_key: id, referring_npi: S, received_at, ...extra });
    const incomplete = { documents: ['clinical_notes'] };
    const referrals = [
      r('M1', '2026-01-10 10:00'),
      r('M2', '2026-01-11 10:00'),
      r('M3', '2026-01-12 10:00', incomplete),
      r('M4', '2026-01-13 10:00', incomplete),
      r('M5', '2026-01-14 10:00', incomplete),
      // Exactly 91 days before as_of: the baseline; a minute later: recent.
      r('EDGE', '2026-04-24 10:00'),
      r('EDGE+1', '2026-04-24 10:01'),
      // Seen, but its 90-day leakage window is still open: in no conversion.
      r('YOUNG', '2026-07-01 10:00'),
      // Out of scope: counted in the totals, in no rate.
      r('OUT', '2026-02-01 10:00', { service_line: 'dermatology' }),
    ];
    const visit = (id: string, visit_at: string) => ({ visit_id: `V-${id}`, referral_id: id, patient_key: id, visit_at });
    w = await buildWith({ referrals, visits: [visit('M1', '2026-01-20 10:00'), visit('M3', '2026-01-25 10:00'), visit('YOUNG', '2026-07-10 10:00')] }, AS_OF);
    expect(await w.query('SELECT recent_count::INTEGER AS recent, baseline_count::INTEGER AS baseline, conversion_rate, incomplete_rate, conversion_rate_complete, conversion_rate_incomplete FROM int_outreach_practice')).toEqual([
      // Matured in scope: M1–M5, EDGE, EDGE+1 (M1 and M3 seen); complete of them: M1, M2, EDGE, EDGE+1; incomplete: M3–M5.
      { recent: 2, baseline: 7, conversion_rate: 2 / 7, incomplete_rate: 3 / 8, conversion_rate_complete: 1 / 4, conversion_rate_incomplete: 1 / 3 },
    ]);
  });
});
