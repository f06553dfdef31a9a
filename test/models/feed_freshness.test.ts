// feed_freshness: a feed is late or stale when its latest file arrived too
// long ago, and also when its newest record (a referral's receipt, an event,
// an appointment's start, a visit) is too old while files keep arriving. The
// thresholds are ±1 day around the defaults: files 48 h (warn) and 96 h
// (error), records 96 h and 168 h. `refloop status` runs the same query now.
import { afterEach, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { freshnessNow } from '../../src/cli/commands/status-freshness.ts';
import { parseConfig } from '../../src/config/load.ts';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Given, MODEL_CONFIG } from '../helpers/models.ts';

const buildWith = buildingOnly('feed_freshness');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const AS_OF = '2026-03-16 12:00';

/** Builds the models with these rows and files arrived at these times (local), as of AS_OF. */
async function judged(given: Given, files: { kind: string; file: string; at: string }[], config: object = MODEL_CONFIG) {
  w = await buildWith(given, AS_OF, config);
  for (const f of files) {
    await w.run(`INSERT INTO ingested_files (file, kind, source, ingested_at) VALUES (${sqlString(f.file)}, ${sqlString(f.kind)}, 'inbox', refloop_parse_timestamp(${sqlString(f.at)}))`);
  }
  // Rebuilt with the files in place (buildWith has no bookkeeping rows of its own).
  await rebuildFreshness(w, config);
  return w.query<{ feed: string; state: string; arrival_state: string; data_state: string | null; is_stale: boolean; stale_since: string | null; stale_reason: string | null }>(
    "SELECT feed, state, arrival_state, data_state, is_stale, strftime(stale_since, '%Y-%m-%d %H:%M') AS stale_since, stale_reason FROM feed_freshness ORDER BY feed",
  );
}

/** feed_freshness alone, built again on the rows now in the warehouse (it reads only landing and bookkeeping tables). */
async function rebuildFreshness(warehouse: Warehouse, config: object): Promise<void> {
  const models = (await readModels(SQL_DIR)).filter((m) => m.name === 'feed_freshness');
  await buildModels(warehouse, models, parseConfig(config), await resolveAsOf(warehouse, AS_OF), 2);
}

const feed = async (rows: ReturnType<typeof judged>, name: string) => (await rows).find((r) => r.feed === name)!;
/** Local time `hours` before AS_OF. */
const before = (hours: number) => {
  const t = new Date(Date.parse('2026-03-16T12:00:00Z') - hours * 3600_000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)}`;
};
// AS_OF and before() are local wall-clock text, so the hours between are exact except across the DST change of 2026-03-08, which only the 9- and 10-day cases span.

describe('feed_freshness: by the latest file', () => {
  it('is ok a day inside the warn threshold, late a day past it, stale a day past the error threshold', async () => {
    const referral = { referral_id: 'R1', received_at: before(2) };
    const rows = judged({ referrals: [referral] }, [{ kind: 'referrals', file: 'referrals_a.csv', at: before(24) }]);
    expect(await feed(rows, 'referrals')).toMatchObject({ arrival_state: 'ok', state: 'ok', is_stale: false, stale_reason: null });
    await w!.close();
    const late = await feed(judged({ referrals: [referral] }, [{ kind: 'referrals', file: 'referrals_a.csv', at: before(72) }]), 'referrals');
    expect(late).toMatchObject({ arrival_state: 'warn', state: 'warn', is_stale: true, stale_since: before(72 - 48) });
    expect(late.stale_reason).toBe(
      `referrals is late: no file has arrived since ${before(72)}, 72 hours before 2026-03-16 12:00 (late after 48 hours, stale after 96), since ${before(24)}.`,
    );
    await w!.close();
    const stale = await feed(judged({ referrals: [referral] }, [{ kind: 'referrals', file: 'referrals_a.csv', at: before(120) }]), 'referrals');
    expect(stale).toMatchObject({ arrival_state: 'error', state: 'error', is_stale: true });
  });

  it('calls a feed with no file an error, and the optional liaisons\' log never sent "not used"', async () => {
    const rows = await judged({}, []);
    expect(rows.find((r) => r.feed === 'visits')).toMatchObject({ state: 'error', is_stale: true, stale_since: null });
    expect(rows.find((r) => r.feed === 'visits')!.stale_reason).toBe('visits is stale: no file has arrived yet.');
    expect(rows.find((r) => r.feed === 'liaison_activities')).toMatchObject({ state: 'not used', is_stale: false });
  });

  it('counts a re-delivery of content already loaded as an arrival', async () => {
    w = await buildWith({ capacity: [{ service_line: 'cardiology', week_start: '2026-03-16', new_patient_slots: 10 }] }, AS_OF);
    await w.run(`INSERT INTO ingested_files (file, kind, source, ingested_at) VALUES ('capacity_2025-12.csv', 'capacity', 'inbox', refloop_parse_timestamp('2025-12-01 08:00'))`);
    const rebuild = async () => {
      await rebuildFreshness(w!, MODEL_CONFIG);
      return (await w!.query<{ state: string }>("SELECT state FROM feed_freshness WHERE feed = 'capacity'"))[0]!.state;
    };
    // 105 days: past capacity's 70.
    expect(await rebuild()).toBe('error');
    await w.run(
      `INSERT INTO redeliveries (file, kind, same_as, kinds, source, delivery, arrived_at) VALUES ('capacity_2026-03.csv', 'capacity', 'capacity_2025-12.csv', ['capacity'], 'inbox', 'capacity_2026-03.csv', refloop_parse_timestamp('2026-03-10 08:00'))`,
    );
    expect(await rebuild()).toBe('ok');
  });
});

describe('feed_freshness: by the newest record', () => {
  const today = [{ kind: 'visits', file: 'visits_today.csv', at: before(1) }];
  const visit = (hours: number) => ({ visits: [{ visit_id: 'V1', visit_at: before(hours) }] });

  it('is ok a day inside the record threshold and late a day past it, while files arrive on time', async () => {
    expect(await feed(judged(visit(96 - 24), today), 'visits')).toMatchObject({ arrival_state: 'ok', data_state: 'ok', state: 'ok' });
    await w!.close();
    const late = await feed(judged(visit(96 + 24), today), 'visits');
    expect(late).toMatchObject({ arrival_state: 'ok', data_state: 'warn', state: 'warn', is_stale: true, stale_since: before(24) });
    expect(late.stale_reason).toBe(
      `visits is late: its newest record (visit_at) is from ${before(120)}, 120 hours before 2026-03-16 12:00 (late after 96 hours, stale after 168), since ${before(24)}.`,
    );
    await w!.close();
    // Nine days old: stale, whatever arrived today (the feed that said "ok").
    expect(await feed(judged(visit(9 * 24), today), 'visits')).toMatchObject({ arrival_state: 'ok', data_state: 'error', state: 'error' });
  });

  it('judges appointments by the start of those that have started: one still to come proves nothing', async () => {
    const appointments = [
      { appointment_id: 'A1', start_at: before(10 * 24), booked_at: before(20 * 24) },
      { appointment_id: 'A2', start_at: '2026-04-20 09:00', booked_at: before(20 * 24) },
    ];
    const row = await feed(judged({ appointments }, [{ kind: 'appointments', file: 'appointments_today.csv', at: before(1) }]), 'appointments');
    expect(row).toMatchObject({ data_state: 'error', state: 'error' });
    expect(row.stale_reason).toContain(`its newest record (start_at) is from ${before(240)}`);
  });

  it('takes the record thresholds from the feed\'s config, apart from the file thresholds', async () => {
    const config = { ...MODEL_CONFIG, feeds: { visits: { freshness: { warn_hours: 24, error_hours: 48, data_warn_hours: 200, data_error_hours: 400 } } } };
    expect(await feed(judged(visit(120), today, config), 'visits')).toMatchObject({ data_state: 'ok', arrival_state: 'ok', state: 'ok' });
    expect(() => parseConfig({ ...MODEL_CONFIG, feeds: { visits: { freshness: { warn_hours: 24, error_hours: 48, data_warn_hours: 200 } } } })).toThrow(/data_warn_hours and data_error_hours together/);
  });
});

describe('refloop status: the same rule, now', () => {
  it('calls a feed stale by its data while its file arrived today', async () => {
    w = await buildWith({}, AS_OF);
    const visitAt = new Date(Date.now() - 9 * 864e5).toISOString();
    await w.run(`INSERT INTO visits (visit_id, patient_key, service_line, source_file, visit_at) VALUES ('V1', 'P1', 'cardiology', 'visits_now.csv', TIMESTAMPTZ ${sqlString(visitAt)})`);
    await w.run(`INSERT INTO ingested_files (file, kind, source, ingested_at) VALUES ('visits_now.csv', 'visits', 'inbox', now() - INTERVAL 1 HOUR)`);
    const rows = await freshnessNow(w, parseConfig(MODEL_CONFIG), 'redeliveries');
    const visits = rows.find((r) => r.feed === 'visits')!;
    expect(visits).toMatchObject({ state: 'error', latest_file: 'visits_now.csv', record_time: 'visit_at', hours_since_arrival: 1 });
    expect(visits.hours_since_newest_record).toBeGreaterThanOrEqual(9 * 24 - 1);
    expect(visits.stale_reason).toMatch(/^visits is stale: its newest record \(visit_at\) is from .*, 21\d hours before /);
    expect(rows.map((r) => r.feed)).toEqual(['referrals', 'referral_events', 'appointments', 'visits', 'providers', 'capacity', 'liaison_activities']);
  });
});

describe('feed_freshness: at the thresholds themselves', () => {
  const today = [{ kind: 'visits', file: 'visits_today.csv', at: before(1) }];
  const visit = (hours: number) => ({ visits: [{ visit_id: 'V1', visit_at: before(hours) }] });

  it('is still ok on the warn threshold and still late on the error threshold, by file and by record', async () => {
    const referral = { referral_id: 'R1', received_at: before(2) };
    const file = (hours: number) => [{ kind: 'referrals', file: 'referrals_a.csv', at: before(hours) }];
    expect(await feed(judged({ referrals: [referral] }, file(48)), 'referrals')).toMatchObject({ arrival_state: 'ok', state: 'ok' });
    await w!.close();
    expect(await feed(judged({ referrals: [referral] }, file(96)), 'referrals')).toMatchObject({ arrival_state: 'warn', state: 'warn' });
    await w!.close();
    expect(await feed(judged(visit(96), today), 'visits')).toMatchObject({ data_state: 'ok', state: 'ok' });
    await w!.close();
    // 168 hours back is 2026-03-09 12:00, after the clock change: exact.
    expect(await feed(judged(visit(168), today), 'visits')).toMatchObject({ data_state: 'warn', state: 'warn' });
  });

  it('dates a feed late both ways from the earlier of the two moments it went past a warn threshold', async () => {
    // The file went past 48 h at before(12); the newest record past 96 h at before(34).
    const row = await feed(judged(visit(130), [{ kind: 'visits', file: 'visits_a.csv', at: before(60) }]), 'visits');
    expect(row).toMatchObject({ arrival_state: 'warn', data_state: 'warn', state: 'warn', stale_since: before(34) });
  });

  it('gives a file that arrived after as_of the age 0, not a negative one', async () => {
    await judged({ referrals: [{ referral_id: 'R1', received_at: before(2) }] }, [{ kind: 'referrals', file: 'referrals_late.csv', at: '2026-03-16 17:00' }]);
    expect(await w!.query("SELECT hours_since_arrival, arrival_state FROM feed_freshness WHERE feed = 'referrals'")).toEqual([{ hours_since_arrival: 0, arrival_state: 'ok' }]);
  });

  it('counts a delivery run that landed the feed\'s rows as an arrival, at the run\'s start', async () => {
    w = await buildWith({ visits: [{ visit_id: 'V1', visit_at: before(3), source_file: 'VISITS.txt', source_delivery: 'epic-0316', ingest_run_id: 50 }] }, AS_OF);
    await w.run(`INSERT INTO runs (run_id, job, started_at, status) VALUES (50, 'ingest', refloop_parse_timestamp(${sqlString(before(1))}), 'succeeded')`);
    await rebuildFreshness(w, MODEL_CONFIG);
    expect(await w.query("SELECT latest_arrival, hours_since_arrival, arrival_state, state FROM feed_freshness WHERE feed = 'visits'")).toEqual([
      { latest_arrival: 'delivery epic-0316', hours_since_arrival: 1, arrival_state: 'ok', state: 'ok' },
    ]);
  });

  it('judges by the newest record received by as_of, and calls files without a record an error', async () => {
    const rows = await judged(
      { referrals: [{ referral_id: 'R1', received_at: before(120) }, { referral_id: 'R2', received_at: '2026-03-17 09:00' }] },
      [
        { kind: 'referrals', file: 'referrals_a.csv', at: before(1) },
        { kind: 'visits', file: 'visits_empty.csv', at: before(1) },
      ],
    );
    // R2 is dated after as_of: the newest record known at as_of is R1, 120 hours old.
    expect(await w!.query("SELECT hours_since_newest_record AS hours, data_state FROM feed_freshness WHERE feed = 'referrals'")).toEqual([{ hours: 120, data_state: 'warn' }]);
    const visits = rows.find((r) => r.feed === 'visits')!;
    expect(visits).toMatchObject({ arrival_state: 'ok', data_state: 'error', state: 'error' });
    expect(visits.stale_reason).toBe('visits is stale: files arrived but hold no record with a visit_at by 2026-03-16 12:00.');
  });
});
