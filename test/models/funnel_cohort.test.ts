// funnel_cohort: the funnel of the referrals received 120 to 30 days before (config funnel_cohort)
// as_of, per service line and 'all', each stage's loss and the largest drop.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('funnel_cohort');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of 2026-06-01 12:00: the cohort runs from 2026-02-01 12:00 to 2026-05-02 12:00, both included. */
const AS_OF = '2026-06-01 12:00';

const referral = (referral_id: string, received_at: string, extra: Row = {}): Row => ({ referral_id, patient_key: referral_id, received_at, ...extra });
const contact = (referral_id: string, event_at: string): Row => ({ referral_id, event_type: 'contact_made', event_at });
const appointment = (referral_id: string, start_at: string): Row => ({ appointment_id: `A-${referral_id}`, referral_id, patient_key: referral_id, booked_at: start_at, start_at });
const visit = (referral_id: string, visit_at: string, summary_sent_at: string | null = null): Row => ({ visit_id: `V-${referral_id}`, referral_id, patient_key: referral_id, visit_at, summary_sent_at });

function fixture() {
  return {
    referrals: [
      referral('FIRST-DAY', '2026-02-01 12:00'), // every stage
      referral('SEEN', '2026-03-01 09:00'), // seen, the referrer not told
      referral('CONTACTED', '2026-04-01 09:00'),
      referral('LAST-DAY', '2026-05-02 12:00', { documents: [] }), // packet never completed
      referral('TOO-OLD', '2026-02-01 11:59'),
      referral('TOO-YOUNG', '2026-05-02 12:01'),
      referral('NOT-OFFERED', '2026-03-01 09:00', { service_line: 'dermatology' }), // out of scope
    ],
    referral_events: [contact('FIRST-DAY', '2026-02-02 09:00'), contact('SEEN', '2026-03-02 09:00'), contact('CONTACTED', '2026-04-02 09:00'), contact('TOO-OLD', '2026-02-02 09:00')],
    appointments: [appointment('FIRST-DAY', '2026-02-10 09:00'), appointment('SEEN', '2026-03-10 09:00'), appointment('TOO-YOUNG', '2026-05-10 09:00')],
    visits: [visit('FIRST-DAY', '2026-02-10 09:00', '2026-02-11 09:00'), visit('SEEN', '2026-03-10 09:00')],
  };
}

const read = (warehouse: Warehouse, line: string) =>
  warehouse.query(
    `SELECT stage_order, stage, previous_stage, referrals::INTEGER AS referrals, share_of_received, lost_count::INTEGER AS lost_count, lost_share_of_received, is_largest_drop
     FROM funnel_cohort WHERE service_line = '${line}' ORDER BY stage_order`,
  );

describe('funnel_cohort', () => {
  it('counts the cohort of both edge days, each stage with its share, loss, and the earlier stage as the largest drop on a tie', async () => {
    w = await buildWith(fixture(), AS_OF);
    expect(await read(w, 'cardiology')).toEqual([
      { stage_order: 1, stage: 'received', previous_stage: null, referrals: 4, share_of_received: 1, lost_count: null, lost_share_of_received: null, is_largest_drop: false },
      { stage_order: 2, stage: 'in_scope', previous_stage: 'received', referrals: 4, share_of_received: 1, lost_count: 0, lost_share_of_received: 0, is_largest_drop: false },
      { stage_order: 3, stage: 'docs_complete', previous_stage: 'in_scope', referrals: 3, share_of_received: 0.75, lost_count: 1, lost_share_of_received: 0.25, is_largest_drop: true },
      { stage_order: 4, stage: 'contacted', previous_stage: 'docs_complete', referrals: 3, share_of_received: 0.75, lost_count: 0, lost_share_of_received: 0, is_largest_drop: false },
      { stage_order: 5, stage: 'scheduled', previous_stage: 'contacted', referrals: 2, share_of_received: 0.5, lost_count: 1, lost_share_of_received: 0.25, is_largest_drop: false },
      { stage_order: 6, stage: 'completed', previous_stage: 'scheduled', referrals: 2, share_of_received: 0.5, lost_count: 0, lost_share_of_received: 0, is_largest_drop: false },
      { stage_order: 7, stage: 'loop_closed', previous_stage: 'completed', referrals: 1, share_of_received: 0.25, lost_count: 1, lost_share_of_received: 0.25, is_largest_drop: false },
    ]);
  });

  it("has 'all' as the sum of the lines, out-of-scope referrals received but not in scope", async () => {
    w = await buildWith(fixture(), AS_OF);
    const all = await read(w, 'all');
    expect(all.map((r) => r.referrals)).toEqual([5, 4, 3, 3, 2, 2, 1]);
    expect(all.filter((r) => r.is_largest_drop).map((r) => r.stage)).toEqual(['in_scope']);
    expect((await read(w, 'dermatology')).map((r) => r.referrals)).toEqual([1, 0, 0, 0, 0, 0, 0]);
  });

  it('gives a configured line with no referral in the cohort zero rows and no largest drop', async () => {
    w = await buildWith(fixture(), AS_OF);
    const imaging = await read(w, 'imaging');
    expect(imaging.map((r) => [r.referrals, r.share_of_received, r.lost_share_of_received, r.is_largest_drop])).toEqual(Array.from({ length: 7 }, () => [0, 0, null, false]));
    expect(await w.query('SELECT DISTINCT cohort_start_date, cohort_end_date FROM funnel_cohort')).toEqual([{ cohort_start_date: '2026-02-01', cohort_end_date: '2026-05-02' }]);
  });

  it('takes the cohort window from the config (funnel_cohort.from_days, to_days), both edge minutes included', async () => {
    // 60 to 10 days before as_of 2026-06-01 12:00: 2026-04-02 12:00 to 2026-05-22 12:00.
    const edges = {
      referrals: [
        referral('FROM-EDGE', '2026-04-02 12:00'),
        referral('BEFORE-FROM', '2026-04-02 11:59'),
        referral('TO-EDGE', '2026-05-22 12:00'),
        referral('AFTER-TO', '2026-05-22 12:01'),
        // In the default cohort (120 to 30 days), not in this one.
        referral('DEFAULT-ONLY', '2026-03-01 09:00'),
      ],
    };
    w = await buildWith(edges, AS_OF, { ...MODEL_CONFIG, funnel_cohort: { from_days: 60, to_days: 10 } });
    expect((await read(w, 'all'))[0]).toMatchObject({ stage: 'received', referrals: 2 });
    expect(await w.query('SELECT DISTINCT cohort_start_date, cohort_end_date FROM funnel_cohort')).toEqual([{ cohort_start_date: '2026-04-02', cohort_end_date: '2026-05-22' }]);
  });
});
