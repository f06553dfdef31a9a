// The demo practice: deterministic, with rates near their settings, and with
// exactly the planted bad rows quarantined when ingested.
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, generateDemo, TRUTH_FILE } from '../../pipelines/demo.ts';
import { ingestInbox } from '../../pipelines/ingest.ts';
import { parseConfig } from '../../src/config/load.ts';
import { startRun } from '../../src/warehouse/runs.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { TEST_KEY } from '../helpers/ingest.ts';

const SMALL = { seed: 7, referrals: 6000, start: '2025-01-06', end: '2025-12-28' };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-demo-'));
  await generateDemo(SMALL, join(dir, 'a'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fileContents(inbox: string) {
  const names = (await readdir(inbox)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(join(inbox, n))] as const)));
}

/** Runs SQL over the demo's CSV files directly (no refloop in between). */
async function overFiles<T>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const inbox = join(dir, 'a');
    await connection.run(`CREATE VIEW referrals AS SELECT * FROM read_csv('${inbox}/referrals_*.csv', all_varchar = true)`);
    await connection.run(`CREATE VIEW appointments AS SELECT * FROM read_csv('${inbox}/appointments_*.csv', all_varchar = true, names = ['appt_id', 'referral_id', 'mrn', 'dept', 'visit_type', 'booked_on', 'appt_datetime', 'appt_status'])`);
    await connection.run(`CREATE VIEW events AS SELECT * FROM read_csv('${inbox}/referral_events_*.csv', all_varchar = true)`);
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('demo generator', () => {
  it('writes byte-identical extracts for the same seed and options, and different ones for another seed', async () => {
    await generateDemo(SMALL, join(dir, 'b'));
    await generateDemo({ ...SMALL, seed: 8 }, join(dir, 'c'));
    const a = await fileContents(join(dir, 'a'));
    const b = await fileContents(join(dir, 'b'));
    expect(Object.keys(a).length).toBeGreaterThan(40);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const name of Object.keys(a)) expect(b[name]!.equals(a[name]!), name).toBe(true);
    const c = await fileContents(join(dir, 'c'));
    expect(c['referrals_2025-03.csv']!.equals(a['referrals_2025-03.csv']!)).toBe(false);
  });

  it('generates about the number of referrals asked for, with the weekday pattern', async () => {
    const [row] = await overFiles<{ n: number; monday: number; sunday: number }>(
      `SELECT count(DISTINCT referral_id)::INTEGER AS n,
              count(*) FILTER (WHERE isodow(try_cast(received_at AS TIMESTAMP)) = 1)::INTEGER AS monday,
              count(*) FILTER (WHERE isodow(try_cast(received_at AS TIMESTAMP)) = 7)::INTEGER AS sunday
       FROM referrals`,
    );
    expect(row!.n).toBeGreaterThan(SMALL.referrals * 0.95);
    expect(row!.n).toBeLessThan(SMALL.referrals * 1.05);
    expect(row!.monday).toBeGreaterThan(row!.sunday * 10);
  });

  it('leaves the referral id off about a fifth of first appointments', async () => {
    const [row] = await overFiles<{ share: number }>(
      `SELECT avg(CASE WHEN referral_id IS NULL THEN 1 ELSE 0 END) AS share
       FROM (SELECT DISTINCT appt_id, referral_id FROM appointments WHERE visit_type <> 'FOLLOW_UP')`,
    );
    expect(row!.share).toBeGreaterThan(0.17);
    expect(row!.share).toBeLessThan(0.23);
  });

  it('makes fax and phone packets less complete than portal and EHR ones', async () => {
    const rows = await overFiles<{ channel: string; incomplete: number }>(
      `SELECT r.channel, avg(CASE WHEN e.referral_id IS NULL THEN 0 ELSE 1 END) AS incomplete
       FROM referrals r LEFT JOIN (SELECT DISTINCT referral_id FROM events WHERE event_type = 'doc_requested') e USING (referral_id)
       WHERE r.service_line IN ('cardiology', 'orthopedics', 'gastroenterology', 'imaging')
       GROUP BY ALL`,
    );
    const rate = Object.fromEntries(rows.map((r) => [r.channel, r.incomplete]));
    expect(rate.phone!).toBeGreaterThan(rate.fax!);
    expect(rate.fax!).toBeGreaterThan(rate.portal!);
    expect(rate.portal!).toBeGreaterThan(rate.ehr!);
    // Settings: EHR packets are complete 90% of the time, times the office's
    // habit (1 ± 0.08, or 0.45 for one office in eight).
    expect(rate.ehr!).toBeGreaterThan(0.04);
    expect(rate.ehr!).toBeLessThan(0.25);
  });

  it('makes no-shows more likely with longer lead times (attend odds about halved at 8–14 days)', async () => {
    const rows = await overFiles<{ bucket: string; no_show: number; n: number }>(
      `WITH final AS (
         SELECT appt_id, try_strptime(booked_on, '%m/%d/%Y %H:%M') AS booked, try_strptime(appt_datetime, '%m/%d/%Y %H:%M') AS start, appt_status AS status
         FROM appointments WHERE appt_status IN ('COMPLETED', 'NO_SHOW') AND visit_type <> 'FOLLOW_UP'
       )
       SELECT CASE WHEN date_diff('minute', booked, start) <= 7 * 1440 THEN 'short' WHEN date_diff('minute', booked, start) <= 14 * 1440 THEN 'medium' END AS bucket,
              avg(CASE WHEN status = 'NO_SHOW' THEN 1 ELSE 0 END) AS no_show, count(*)::INTEGER AS n
       FROM final GROUP BY 1 HAVING bucket IS NOT NULL`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.bucket, r]));
    const odds = (p: number) => (1 - p) / p;
    expect(by.short!.n).toBeGreaterThan(300);
    expect(by.medium!.n).toBeGreaterThan(300);
    const ratio = odds(by.medium!.no_show) / odds(by.short!.no_show);
    expect(ratio).toBeGreaterThan(0.3);
    expect(ratio).toBeLessThan(0.8);
  });

  it('quarantines exactly the planted bad rows when ingested', async () => {
    const truth = JSON.parse(await readFile(join(dir, 'a', TRUTH_FILE), 'utf8'));
    const config = parseConfig(demoConfig());
    const warehouse = await openWarehouse({ path: join(dir, 'w.duckdb'), timezone: config.timezone, pseudonymKey: TEST_KEY });
    try {
      const summary = await ingestInbox(warehouse, config, join(dir, 'a'), await startRun(warehouse, 'ingest'), { workDir: join(dir, '.refloop-work'), settleSeconds: 0 });
      expect(summary.refused).toEqual([]);
      const quarantined = await warehouse.query<{ file: string; line: number; column: string }>(
        'SELECT file, line, column_name AS "column" FROM quarantine ORDER BY file, line',
      );
      expect(truth.mess.quarantined.length).toBeGreaterThan(20);
      expect(quarantined).toEqual(truth.mess.quarantined);
      const [flagged] = await warehouse.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM referrals WHERE has_invalid_referring_npi');
      expect(flagged!.n).toBe(truth.mess.loaded_with_issue.referral_invalid_npi);
    } finally {
      await warehouse.close();
    }
  });
});

describe('planted volume changes', () => {
  it('silences the dormant clinicians and cuts the declining ones to about their set fraction', async () => {
    const inbox = join(dir, 'full');
    await generateDemo({ seed: 20261122, referrals: 25_000, start: '2024-11-25', end: '2026-11-22' }, inbox);
    const truth = JSON.parse(await readFile(join(inbox, TRUTH_FILE), 'utf8'));
    expect(truth.planted.dormant).toHaveLength(6);
    expect(truth.planted.declining).toHaveLength(6);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE VIEW referrals AS SELECT referring_npi, try_cast(received_at AS TIMESTAMP) AS received_at FROM read_csv('${inbox}/referrals_*.csv', all_varchar = true)`);
      for (const d of truth.planted.dormant) {
        const r = await connection.runAndReadAll(
          `SELECT count(*) FILTER (WHERE received_at >= DATE '${d.silent_from}')::INTEGER AS after, count(*)::INTEGER AS total FROM referrals WHERE referring_npi = '${d.npi}'`,
        );
        const { after, total } = r.getRowObjectsJson()[0] as { after: number; total: number };
        expect(after, d.npi).toBe(0);
        expect(total, d.npi).toBeGreaterThan(30);
      }
      let before = 0;
      let after = 0;
      for (const d of truth.planted.declining) {
        const r = await connection.runAndReadAll(
          `SELECT count(*) FILTER (WHERE received_at >= DATE '${d.from}') / (DATE '2026-11-23' - DATE '${d.from}') AS after,
                  count(*) FILTER (WHERE received_at < DATE '${d.from}') / (DATE '${d.from}' - DATE '2024-11-25') AS before
           FROM referrals WHERE referring_npi = '${d.npi}'`,
        );
        const row = r.getRowObjectsJson()[0] as { after: number; before: number };
        before += row.before;
        after += row.after;
      }
      // Planted factor 0.3 (the months differ, so allow for season).
      expect(after / before).toBeGreaterThan(0.15);
      expect(after / before).toBeLessThan(0.5);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    // Generating 25,000 referrals takes 20–40 s on two cores: a hang guard, not a speed check.
  }, 180_000);
});
