// liaison_alerts and alert_log: the alerts are the outreach rules' own
// verdicts (dormant, declining) and liaison_panels' Behind, kept above the
// floors of config outreach.alerts (one step either side of each), routed to
// the referrer's liaison with 'unassigned' last; and across transforms of one
// warehouse they fire once: new, then still open or changed, resolved in the
// run that finds them gone, the same as_of twice giving the same statuses,
// an older as_of and a failed transform leaving the log as it was.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQL_DIR, transform } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, local, MODEL_CONFIG, type Row } from '../helpers/models.ts';
import { every, npi } from './fixtures.ts';

const buildWith = buildingOnly('fct_referrals', 'int_outreach_dormant', 'liaison_alerts', 'liaison_panels', 'outreach_priorities');

/** The recent window (91 days) starts 2026-04-24 10:00; the month and quarter so far are 1–23 July (23 days), the year 204 days. */
const AS_OF = '2026-07-24 10:00';
const DANA = 'Dana Whitfield';
const MARCUS = 'Marcus Reyes';

interface Alert {
  alert_key: string;
  liaison: string;
  rule: string;
  source: string | null;
  alert_status: string;
  signature: string;
}
const alerts = (w: Warehouse) =>
  w.query<Alert>('SELECT alert_key, liaison, rule, source, alert_status, signature FROM liaison_alerts ORDER BY liaison_order, alert_order');
const keys = (rows: Alert[]) => rows.map((r) => r.alert_key).sort();

// Dormant at 6 and 7 baseline referrals (one every 5 days, the last 2026-04-23: 92 silent days).
const D6 = npi(2);
const D7 = npi(3);
const dormantReferrals = [...every(D6, '2026-03-29 10:00', 6, 5), ...every(D7, '2026-03-24 10:00', 7, 5)];
const dormantProviders: Row[] = [
  { npi: D6, name: 'Ana Ames', practice: 'Elm Street', liaison: DANA },
  { npi: D7, name: 'Ben Bell', practice: 'Oak Clinic' },
];
const goals = { referrals: { month: 100, quarter: 300, year: 1000 } };

describe('the floors', () => {
  let w6: Warehouse;
  let w7: Warehouse;
  beforeAll(async () => {
    const given = { providers: dormantProviders, referrals: dormantReferrals };
    const config = (alerts: object) => ({ ...MODEL_CONFIG, liaisons: { [DANA]: { goals } }, outreach: { alerts } });
    w6 = await buildWith(given, AS_OF, config({ min_baseline_referrals: 6, min_period_days: 23 }));
    w7 = await buildWith(given, AS_OF, config({ min_baseline_referrals: 7, min_period_days: 24 }));
  }, 60_000);
  afterAll(async () => {
    await w6?.close();
    await w7?.close();
  });

  it('raises a dormant alert from min_baseline_referrals referrals in the baseline, and none one below', async () => {
    const dormant = (rows: Alert[]) => rows.filter((r) => r.rule === 'dormant').map((r) => r.source).sort();
    expect(dormant(await alerts(w6))).toEqual([D6, D7].sort());
    expect(dormant(await alerts(w7))).toEqual([D7]);
    // The floor is the alerts' own: the outreach list still has both.
    expect((await w7.query<{ source: string }>("SELECT source FROM outreach_priorities WHERE category = 'dormant' ORDER BY source")).map((r) => r.source)).toEqual([D6, D7].sort());
  });

  it('raises a Behind goal alert once its period has run min_period_days days, and none a day sooner', async () => {
    const behind = (rows: Alert[]) => rows.filter((r) => r.rule === 'behind_goal').map((r) => r.alert_key).sort();
    expect(behind(await alerts(w6))).toEqual([`behind_goal:${DANA}:referrals/month`, `behind_goal:${DANA}:referrals/quarter`, `behind_goal:${DANA}:referrals/year`]);
    // 23 days of July and of the quarter are one short of 24; the year's 204 are not.
    expect(behind(await alerts(w7))).toEqual([`behind_goal:${DANA}:referrals/year`]);
  });

  it('routes each alert to the referrer’s liaison, unassigned last, new first, with the rule’s own reason and numbers', async () => {
    const rows = await w6.query<Alert & { why: string; is_unassigned: boolean; subject: string }>(
      'SELECT liaison, is_unassigned, rule, source, subject, alert_status, why FROM liaison_alerts ORDER BY liaison_order, alert_order',
    );
    expect(rows.map((r) => [r.liaison, r.is_unassigned, r.rule, r.source])).toEqual([
      [DANA, false, 'behind_goal', null],
      [DANA, false, 'behind_goal', null],
      [DANA, false, 'behind_goal', null],
      [DANA, false, 'dormant', D6],
      ['unassigned', true, 'dormant', D7],
    ]);
    expect(new Set(rows.map((r) => r.alert_status))).toEqual(new Set(['new']));
    const [reason] = await w6.query<{ reason: string }>(`SELECT reason FROM int_outreach_dormant WHERE source = '${D6}'`);
    expect(rows.find((r) => r.source === D6)?.why).toBe(reason!.reason);
    expect(rows.find((r) => r.source === D6)?.subject).toBe('Ana Ames');
    // The month: no referral in 1–23 July against a pace of 100 × 23/31 = 74.
    expect(rows[0]?.why).toBe("0 referrals this month so far where the goal's pace gives 74 (goal 100 for the month, 23 of 31 days gone); 100% behind.");
  });
});

describe('a declining referrer', () => {
  // The practice as outreach_priorities' test has it: X_IN expected 13 in the recent window, got 5 (down 62%); Y_IN expected 52, got 31 (down 40%).
  const X_IN = npi(21);
  const Y_IN = npi(24);
  const GROWING = npi(26);
  const spread = (source: string, first: string, count: number, days: number, tag: string) => every(source, first, count, days / count, {}, tag);
  const clinician = (source: string, baseline: number, recent: number) => [...spread(source, '2025-08-01 10:00', baseline, 260, 'b'), ...spread(source, '2026-04-26 10:00', recent, 88, 'r')];
  const given = {
    providers: [{ npi: X_IN, name: 'Xia Xu', practice: 'Pine Row', liaison: MARCUS }],
    // npi(22), npi(23) and npi(25) are the near misses of that test (not declining), here for the practice's totals.
    referrals: [...clinician(X_IN, 12, 5), ...clinician(npi(22), 12, 6), ...clinician(npi(23), 11, 1), ...clinician(Y_IN, 48, 31), ...clinician(npi(25), 48, 32), ...clinician(GROWING, 1, 68)],
  };

  it('raises an alert from min_baseline_referrals baseline referrals (12 here), none one below, the drop in 20-point bands as its signature', async () => {
    const w12 = await buildWith(given, AS_OF, { ...MODEL_CONFIG, outreach: { alerts: { min_baseline_referrals: 12 } } });
    const w13 = await buildWith(given, AS_OF, { ...MODEL_CONFIG, outreach: { alerts: { min_baseline_referrals: 13 } } });
    try {
      expect((await alerts(w12)).map((r) => [r.liaison, r.rule, r.source, r.signature])).toEqual([
        [MARCUS, 'declining', X_IN, 'down 60%+'],
        ['unassigned', 'declining', Y_IN, 'down 40%+'],
      ]);
      expect(keys(await alerts(w13))).toEqual([`declining:unassigned:${Y_IN}`]);
    } finally {
      await w12.close();
      await w13.close();
    }
  }, 60_000);
});

describe('across transforms of one warehouse', () => {
  const T1 = '2026-07-24 10:00';
  const T2 = '2026-08-20 10:00';
  const T3 = '2026-08-27 10:00';
  const T4 = '2026-09-03 10:00';
  const N1 = npi(1);
  const CONFIG = { ...MODEL_CONFIG, liaisons: { [DANA]: { goals: { referrals: { month: 100 } } } } };
  const config = parseConfig(CONFIG);
  let w: Warehouse;
  let runId = 10;
  const run = (asOf: string, sqlDir?: string) => transform(w, config, { asOf, runId: runId++, ...(sqlDir ? { sqlDir } : {}) });
  const statuses = async () => Object.fromEntries((await alerts(w)).map((r) => [r.alert_key, r.alert_status]));
  const logRows = () =>
    w.query(
      `SELECT alert_key, signature, ${local('first_seen_as_of')}, ${local('last_changed_as_of')}, ${local('last_seen_as_of')}, ${local('closed_as_of')} FROM alert_log ORDER BY alert_key`,
    );
  const dormantD6 = `dormant:${DANA}:${D6}`;
  const dormantN1 = `dormant:unassigned:${N1}`;
  const month = `behind_goal:${DANA}:referrals/month`;

  beforeAll(async () => {
    // N1: 21 referrals every 5 days to 2026-04-15, silent from then on; D6 as above.
    w = await buildWith({ providers: [dormantProviders[0]!], referrals: [...every(N1, '2026-01-05 10:00', 21, 5), ...every(D6, '2026-03-29 10:00', 6, 5)] }, T1, CONFIG);
  }, 60_000);
  afterAll(() => w?.close());

  it('opens every alert as new, and the log holds each from that as_of', async () => {
    await run(T1);
    expect(await statuses()).toEqual({ [month]: 'new', [dormantD6]: 'new', [dormantN1]: 'new' });
    const log = await w.query<{ alert_key: string; first_seen_as_of: string; closed_as_of: string | null }>(
      `SELECT alert_key, ${local('first_seen_as_of')}, ${local('closed_as_of')} FROM alert_log ORDER BY alert_key`,
    );
    expect(log).toEqual([month, dormantD6, dormantN1].sort().map((alert_key) => ({ alert_key, first_seen_as_of: T1, closed_as_of: null })));
  }, 60_000);

  it('a later as_of: the same signature is still open, a new month still behind is changed, a referral ending a silence resolves it', async () => {
    // D6 refers again: no longer silent, so no longer dormant.
    await w.run(
      `INSERT INTO referrals (referral_id, patient_key, referring_npi, received_at, service_line, referral_type, urgency, documents, has_invalid_referring_npi, source_file)
       VALUES ('again', 'P-again', '${D6}', refloop_parse_timestamp('2026-08-10 10:00'), 'cardiology', 'consult', 'routine', ['clinical_notes', 'insurance_card'], false, 'referrals_test.csv')`,
    );
    await run(T2);
    expect(await statuses()).toEqual({ [month]: 'changed', [dormantD6]: 'resolved', [dormantN1]: 'still open' });
    const [changed] = await w.query<{ signature: string; previous_signature: string; first_seen_at: string; changed_at: string }>(
      `SELECT signature, previous_signature, ${local('first_seen_at')}, ${local('changed_at')} FROM liaison_alerts WHERE alert_key = '${month}'`,
    );
    expect(changed).toEqual({ signature: '2026-08-01 month, under 25% of pace', previous_signature: '2026-07-01 month, under 25% of pace', first_seen_at: T1, changed_at: T2 });
    // The same as_of again: what opened, changed or closed at it still reads so.
    const logAtT2 = await logRows();
    await run(T2);
    expect(await statuses()).toEqual({ [month]: 'changed', [dormantD6]: 'resolved', [dormantN1]: 'still open' });
    expect(await logRows()).toEqual(logAtT2);
    // Resolved in the run that finds it gone, then no more.
    await run(T3);
    expect(await statuses()).toEqual({ [month]: 'still open', [dormantN1]: 'still open' });
    const [closed] = await w.query<{ closed_as_of: string }>(`SELECT ${local('closed_as_of')} FROM alert_log WHERE alert_key = '${dormantD6}'`);
    expect(closed).toEqual({ closed_as_of: T2 });
  }, 120_000);

  it('the same as_of twice gives the same statuses and log; an older as_of leaves the log alone', async () => {
    const statusesAtT3 = await statuses();
    const logAtT3 = await logRows();
    await run(T3);
    expect(await statuses()).toEqual(statusesAtT3);
    expect(await logRows()).toEqual(logAtT3);
    const logAfterRerun = await logRows();
    await run(T2);
    expect(await logRows()).toEqual(logAfterRerun);
    // And the present reads as before.
    await run(T3);
    expect(await statuses()).toEqual(statusesAtT3);
  }, 180_000);

  it('a failed transform leaves the log as it was; the same transform without the failure writes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'refloop-alerts-'));
    try {
      const sqlDir = join(dir, 'sql');
      await cp(SQL_DIR, sqlDir, { recursive: true });
      await mkdir(join(sqlDir, 'checks'), { recursive: true });
      await writeFile(
        join(sqlDir, 'checks', 'zz_injected_failure.sql'),
        "-- Checks: fct_referrals\n-- Severity: warn\n-- When it fires: never; it fails instead.\nselect * from fct_referrals where error('injected failure after the alert log') is null\n",
      );
      const before = await logRows();
      await expect(run(T4, sqlDir)).rejects.toThrow('injected failure after the alert log');
      expect(await logRows()).toEqual(before);
      await rm(join(sqlDir, 'checks', 'zz_injected_failure.sql'));
      await run(T4, sqlDir);
      expect(await logRows()).not.toEqual(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
