// How the files of one run are staged (src/jobs/ingest-files.ts): small
// batches on the staging instance's two lanes, a large batch alone, every
// batch with the planning its size calls for. The staging instance is
// wrapped to record when each of its statements ran and on which lane.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StagingInstance } from '../../src/ingest/staging-instance.ts';
import { csv, type Practice, practice, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

interface Statement {
  lane: number;
  start: number;
  end: number;
  sql: string;
}
const statements: Statement[] = [];
/**
 * Files whose batches are held back this many ms before their last statement
 * (the drop of what they staged), as a slow small batch would be; the hold
 * counts as part of that statement, so a batch that should have waited for
 * it is seen beside it.
 */
const slow = new Map<string, number>();
/** The file each lane last read, to know whose drop a drop is. */
const reading = new Map<number, string>();

function recording(inner: StagingInstance, lane = 0): StagingInstance {
  const timed = async <T>(sql: string, run: () => Promise<T>): Promise<T> => {
    const read = /read_csv\(\['[^']*\/inbox\/([\w.-]+)'/.exec(sql)?.[1];
    if (read) reading.set(lane, read);
    const start = performance.now();
    const hold = sql.startsWith('DROP TABLE IF EXISTS temp.staged') ? slow.get(reading.get(lane) ?? '') : undefined;
    if (hold) await new Promise((done) => setTimeout(done, hold));
    try {
      return await run();
    } finally {
      statements.push({ lane, start, end: performance.now(), sql });
    }
  };
  return {
    get connection() {
      return inner.connection;
    },
    warm: () => inner.warm(),
    query: (sql, params) => timed(sql, () => inner.query(sql, params)),
    run: (sql) => timed(sql, () => inner.run(sql)),
    transferPath: (name) => inner.transferPath(name),
    lane: (number) => recording(inner.lane(number), number),
    close: () => inner.close(),
  };
}

vi.mock('../../src/ingest/staging-instance.ts', async (original) => {
  const actual = await original<typeof import('../../src/ingest/staging-instance.ts')>();
  return { ...actual, stagingFor: (...args: Parameters<typeof actual.stagingFor>) => recording(actual.stagingFor(...args)) };
});

let p: Practice;
beforeEach(async () => {
  statements.length = 0;
  slow.clear();
  reading.clear();
  p = await practice();
});
afterEach(() => p.cleanup());

const APPOINTMENTS = 'appointment_id,referral_id,patient_id,service_line,appointment_type,booked_at,start_at,status';
const EVENTS = 'referral_id,event_type,event_at,detail';
const VISITS = 'visit_id,appointment_id,patient_id,service_line,visit_at,summary_sent_at';

/** Each batch's statements: from the one that sets its planning to the one that drops what it staged, on its lane. */
function batches(): { lane: number; optimizers: string; start: number; end: number; reads: string }[] {
  const ordered = [...statements].sort((a, b) => a.start - b.start);
  return ordered
    .filter((s) => s.sql.startsWith('SET disabled_optimizers'))
    .map((set) => {
      const own = ordered.filter((s) => s.lane === set.lane && s.start >= set.start);
      const drop = own.find((s) => s.sql.startsWith('DROP TABLE IF EXISTS temp.staged'))!;
      const read = own.find((s) => s.sql.includes('read_csv('))!;
      return { lane: set.lane, optimizers: /'([^']*)'/.exec(set.sql)![1]!, start: set.start, end: drop.end, reads: /inbox\/([\w.-]+)'/.exec(read.sql)![1]! };
    });
}

describe('staging a run’s batches', () => {
  it('stages a large batch (over 1 MiB) alone, with DuckDB’s IN-clause rewrite, and small ones without it', async () => {
    // Name order: two small kinds, the large referrals file, then a small kind after it.
    await p.write('appointments_1.csv', csv(APPOINTMENTS, 'A1,R1,M1,cardiology,consult,2026-11-02 09:00,2026-11-05 10:00,booked'));
    await p.write('referral_events_1.csv', csv(EVENTS, 'R1,contact_made,2026-11-02 11:00,'));
    const referrals = Array.from({ length: 6_000 }, (_, i) => referralRow({ referral_id: `R${i + 1}`, referring_practice: 'Cardiology Associates of the Upper Valley' }));
    const large = csv(REFERRAL_HEADER, ...referrals);
    expect(Buffer.byteLength(large)).toBeGreaterThan(2 ** 20);
    await p.write('referrals_1.csv', large);
    await p.write('visits_1.csv', csv(VISITS, 'V1,A1,M1,cardiology,2026-11-05 10:30,'));
    // The two small batches before the large one are still staging, one per lane, when it is ready; the
    // second finishes well after the first has landed (a large batch waits for every lane, not only for landings).
    slow.set('appointments_1.csv', 400);
    slow.set('referral_events_1.csv', 1000);
    const summary = await p.ingest();
    expect(summary.filesLoaded).toBe(4);
    expect(summary.rowsLoaded).toBe(6_003);

    const staged = batches();
    expect(staged.map((b) => [b.reads, b.optimizers])).toEqual([
      ['appointments_1.csv', 'in_clause'],
      ['referral_events_1.csv', 'in_clause'],
      ['referrals_1.csv', ''],
      ['visits_1.csv', 'in_clause'],
    ]);
    const largeBatch = staged.find((b) => b.reads === 'referrals_1.csv')!;
    expect(largeBatch.lane).toBe(0);
    // The held-back batches took both lanes, so the large one had to wait for each.
    expect(new Set(staged.filter((b) => slow.has(b.reads)).map((b) => b.lane))).toEqual(new Set([0, 1]));
    // Nothing else ran in the staging instance, on any lane, while the large batch was staged.
    const beside = statements.filter((s) => s.start < largeBatch.end && s.end > largeBatch.start && s.lane !== largeBatch.lane);
    expect(beside).toEqual([]);
    // Each small batch stayed on one lane, from its first statement to its last.
    for (const batch of staged) {
      const during = statements.filter((s) => s.start >= batch.start && s.end <= batch.end && s.lane !== batch.lane && s.sql.includes(batch.reads));
      expect(during, batch.reads).toEqual([]);
    }
  });

  it('stages the small batches of a day on both lanes, and lands every file', async () => {
    for (const n of [1, 2, 3]) {
      // Three layouts of each kind (the header's order), so each file is a batch of its own.
      await p.write(`referral_events_${n}.csv`, csv(n === 2 ? 'event_type,referral_id,event_at,detail' : n === 3 ? 'event_at,event_type,referral_id,detail' : EVENTS, n === 2 ? `contact_made,R${n},2026-11-02 11:00,` : n === 3 ? `2026-11-02 11:00,contact_made,R${n},` : `R${n},contact_made,2026-11-02 11:00,`));
    }
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R1' })));
    const summary = await p.ingest();
    expect(summary.filesLoaded).toBe(4);
    const lanes = new Set(batches().map((b) => b.lane));
    expect([...lanes].sort()).toEqual([0, 1]);
    expect(await p.query<{ n: number }>('SELECT count(*)::INTEGER AS n FROM referral_events')).toEqual([{ n: 3 }]);
  });
});
