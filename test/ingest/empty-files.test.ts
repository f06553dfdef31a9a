// A file that holds no records (a day's export of a kind that had none) is
// accounted for without being read in the staging instance or landed: its
// ingested_files row says 0 read, what the record scanner set aside is still
// quarantined at its line, and the kind's rows are as they were.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '../../src/ingest/record-scanner.ts';
import { csv, type Practice, practice, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let p: Practice;
beforeEach(async () => (p = await practice()));
afterEach(() => p.cleanup());

const accounting = () =>
  p.query<{ file: string; rows_read: number; rows_loaded: number; rows_quarantined: number }>(
    'SELECT file, rows_read::INTEGER AS rows_read, rows_loaded::INTEGER AS rows_loaded, rows_quarantined::INTEGER AS rows_quarantined FROM ingested_files ORDER BY file',
  );
const referrals = () => p.query<{ referral_id: string; source_file: string }>('SELECT referral_id, source_file FROM referrals ORDER BY referral_id');

/** A referral row one byte longer than a record may be, padded in referring_practice. */
function tooLong(overrides: Record<string, string>): string {
  const bare = referralRow({ ...overrides, referring_practice: '' });
  return referralRow({ ...overrides, referring_practice: 'x'.repeat(MAX_RECORD_BYTES + 1 - bare.length) });
}

describe('a file with no records', () => {
  it('is recorded as loaded with nothing read, on an empty warehouse and after rows of its kind, leaving those rows as they were', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER));
    const first = await p.ingest();
    expect(first.filesLoaded).toBe(1);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 0, rows_loaded: 0, rows_quarantined: 0 }]);
    expect(await referrals()).toEqual([]);

    await p.write('referrals_2.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R1' }), referralRow({ referral_id: 'R2' })));
    await p.ingest();
    // A blank line more than referrals_1.csv: other bytes (the same bytes would be a re-delivery of it), still no record.
    await p.write('referrals_3.csv', `${csv(REFERRAL_HEADER)}\n`);
    const third = await p.ingest();
    expect(third.filesLoaded).toBe(1);
    expect(third.rowsRead).toBe(0);
    expect((await accounting()).at(-1)).toEqual({ file: 'referrals_3.csv', rows_read: 0, rows_loaded: 0, rows_quarantined: 0 });
    expect(await referrals()).toEqual([
      { referral_id: 'R1', source_file: 'referrals_2.csv' },
      { referral_id: 'R2', source_file: 'referrals_2.csv' },
    ]);
  });

  it('still quarantines, at its line, a record the scanner set aside (the file then holds none DuckDB reads)', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, tooLong({ referral_id: 'R9' })));
    const summary = await p.ingest();
    expect(summary.rowsRead).toBe(1);
    expect(summary.rowsQuarantined).toBe(1);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 1, rows_loaded: 0, rows_quarantined: 1 }]);
    const quarantined = await p.query<{ file: string; line: number; reason: string }>('SELECT file, line, reason FROM quarantine');
    expect(quarantined).toEqual([{ file: 'referrals_1.csv', line: 2, reason: expect.stringMatching(/^is longer than/) }]);
    expect(await referrals()).toEqual([]);
  });

  it('beside files of other kinds in one run: each kind is accounted for on its own', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R1' })));
    await p.write('visits_1.csv', csv('visit_id,appointment_id,patient_id,service_line,visit_at,summary_sent_at'));
    const summary = await p.ingest();
    expect(summary.filesLoaded).toBe(2);
    expect(await accounting()).toEqual([
      { file: 'referrals_1.csv', rows_read: 1, rows_loaded: 1, rows_quarantined: 0 },
      { file: 'visits_1.csv', rows_read: 0, rows_loaded: 0, rows_quarantined: 0 },
    ]);
    expect(await p.query('SELECT * FROM visits')).toEqual([]);
  });
});
