// data_quality: one row per kind of problem found in the extracts, counted,
// with what it does to the numbers; a problem that is absent has no row.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly } from '../helpers/models.ts';

const buildWith = buildingOnly('data_quality');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('data_quality', () => {
  it('counts unlinked appointments and visits, events of unknown referrals, bad referring ids and impossible sequences', async () => {
    w = await buildWith(
      {
        referrals: [
          { referral_id: 'OK', patient_key: 'P1', received_at: '2026-01-05 09:00', referring_npi: '1234567893' },
          { referral_id: 'BAD-NPI', patient_key: 'P2', received_at: '2026-01-05 09:00', referring_npi: null, has_invalid_referring_npi: true },
          { referral_id: 'BAD-ID', patient_key: 'P3', received_at: '2026-01-05 09:00', referring_npi: null, referring_id: 'NOT-IN-DIRECTORY' },
          { referral_id: 'EARLY', patient_key: 'P4', received_at: '2026-01-10 09:00' },
        ],
        providers: [{ npi: '1234567893', name: 'Dr Known' }],
        referral_events: [
          { referral_id: 'GHOST', event_type: 'contact_made', event_at: '2026-01-06 09:00' },
          { referral_id: 'EARLY', event_type: 'contact_made', event_at: '2026-01-09 09:00' },
          { referral_id: 'OK', event_type: 'contact_made', event_at: '2026-01-06 09:00' },
        ],
        appointments: [
          { appointment_id: 'A-LINKED', referral_id: 'OK', patient_key: 'P1', booked_at: '2026-01-06 09:00', start_at: '2026-01-20 09:00' },
          { appointment_id: 'A-ORPHAN', patient_key: 'P9', service_line: 'imaging', booked_at: '2026-01-06 09:00', start_at: '2026-01-20 09:00' },
        ],
        visits: [{ visit_id: 'V-ORPHAN', patient_key: 'P8', visit_at: '2026-01-21 09:00' }],
      },
      '2026-02-01',
    );
    const rows = await w.query<{ issue: string; feed: string; detail: string; rows: number; what_it_means: string }>(
      'SELECT issue, feed, detail, rows::INTEGER AS rows, what_it_means FROM data_quality ORDER BY issue, feed, detail',
    );
    expect(rows.map(({ what_it_means: _, ...r }) => r)).toEqual([
      { issue: 'event_for_unknown_referral', feed: 'referral_events', detail: 'contact_made', rows: 1 },
      { issue: 'impossible_sequence', feed: 'referral_events', detail: 'contact before the referral arrived', rows: 1 },
      { issue: 'invalid_referring_npi', feed: 'referrals', detail: 'referring_npi', rows: 1 },
      { issue: 'unknown_referring_id', feed: 'referrals', detail: 'referring_id', rows: 1 },
      { issue: 'unlinked_appointment', feed: 'appointments', detail: 'imaging', rows: 1 },
      { issue: 'unlinked_visit', feed: 'visits', detail: 'cardiology', rows: 1 },
    ]);
    for (const row of rows) expect(row.what_it_means.length).toBeGreaterThan(20);
    expect(await w.query('SELECT DISTINCT run_id::INTEGER AS run_id FROM data_quality')).toEqual([{ run_id: 1 }]);
  });

  it('has no row for a problem the extracts do not have', async () => {
    w = await buildWith({ referrals: [{ referral_id: 'OK', received_at: '2026-01-05 09:00', referring_npi: '1234567893' }] }, '2026-02-01');
    expect(await w.query('SELECT issue FROM data_quality')).toEqual([]);
  });
});
