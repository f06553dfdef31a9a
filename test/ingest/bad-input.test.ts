// extracts.md "Bad input": every record read is loaded or quarantined, with
// its line, column and first problem, and never a PHI value.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csv, type Practice, practice, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let p: Practice;
beforeEach(async () => (p = await practice()));
afterEach(() => p.cleanup());

const quarantine = () => p.query<{ file: string; line: number; column_name: string | null; value: string | null; reason: string }>(
  'SELECT file, line, column_name, value, reason FROM quarantine ORDER BY file, line',
);
const accounting = () => p.query<{ file: string; rows_read: number; rows_loaded: number; rows_quarantined: number }>(
  'SELECT file, rows_read::INTEGER AS rows_read, rows_loaded::INTEGER AS rows_loaded, rows_quarantined::INTEGER AS rows_quarantined FROM ingested_files ORDER BY file',
);

describe('records that break the contract are quarantined', () => {
  it('quarantines a missing required value and withholds PHI values', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', patient_id: '' }), referralRow({ referral_id: '' , patient_id: 'MRN-9'})));
    await p.ingest();
    expect(await quarantine()).toEqual([
      { file: 'referrals_1.csv', line: 3, column_name: 'patient_id', value: null, reason: 'required value is missing' },
      { file: 'referrals_1.csv', line: 4, column_name: 'referral_id', value: null, reason: 'required value is missing' },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 3, rows_loaded: 1, rows_quarantined: 2 }]);
  });

  it('quarantines an unparseable required value, naming the format expected', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ received_at: '13/45/2026 09:00' }), referralRow({ referral_id: 'R2', received_at: '2026-02-30 10:00' })));
    await p.ingest();
    const rows = await quarantine();
    expect(rows.map((r) => [r.line, r.column_name, r.value])).toEqual([
      [2, 'received_at', '13/45/2026 09:00'],
      [3, 'received_at', '2026-02-30 10:00'],
    ]);
    expect(rows[0]!.reason).toMatch(/is not a timestamp/);
  });

  it('reports only the first problem of a record, in column order', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ received_at: 'soon', service_line: '' })));
    await p.ingest();
    expect((await quarantine()).map((r) => r.column_name)).toEqual(['received_at']);
  });

  it('quarantines an unknown value of a required enum, but matches enums in any case', async () => {
    await p.write(
      'appointments_1.csv',
      csv(
        'appointment_id,referral_id,patient_id,service_line,appointment_type,booked_at,start_at,status',
        'A1,R1,MRN-1,cardiology,,2026-11-02 10:00,2026-11-20 09:00,COMPLETED',
        'A2,R1,MRN-1,cardiology,,2026-11-02 10:00,2026-11-20 09:00,rescheduled',
      ),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([
      { file: 'appointments_1.csv', line: 3, column_name: 'status', value: 'rescheduled', reason: 'is not one of booked, completed, cancelled, no_show' },
    ]);
    expect(await p.query('SELECT appointment_id, status FROM appointments')).toEqual([{ appointment_id: 'A1', status: 'completed' }]);
  });

  it('quarantines records with the wrong number of fields, at their physical line', async () => {
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow({ patient_name: '"Two\nLines"' }), `${referralRow({ referral_id: 'R2' })},extra`, 'R3,2026-11-02 09:00', referralRow({ referral_id: 'R4' })),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name, r.value, r.reason])).toEqual([
      [4, null, null, "has more fields than the header's 18"],
      [5, null, null, "has fewer fields than the header's 18"],
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 4, rows_loaded: 2, rows_quarantined: 2 }]);
  });

  it('quarantines a record with text after a closing quote, and nothing else', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ patient_name: '"Broken"quote' }), referralRow({ referral_id: 'R2' })));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([[2, 'has broken quoting (text after the closing quote of a field)']]);
    expect(await p.query('SELECT referral_id FROM referrals')).toEqual([{ referral_id: 'R2' }]);
  });

  it('counts every line after a quote left open at the end of the file, loading those that parse alone', async () => {
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', patient_name: '"Never closed' }), referralRow({ referral_id: 'R3' }), referralRow({ referral_id: 'R4' })),
    );
    const summary = await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([[3, 'has a quote that is never closed (the file ends inside a quoted field)']]);
    expect(await p.query('SELECT referral_id FROM referrals ORDER BY 1')).toEqual([{ referral_id: 'R1' }, { referral_id: 'R3' }, { referral_id: 'R4' }]);
    expect(summary).toMatchObject({ rowsRead: 4, rowsLoaded: 3, rowsQuarantined: 1 });
  });

  it('quarantines every copy of a key repeated with different values, and loads identical copies once', async () => {
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2' }), referralRow(), referralRow({ referral_id: 'R2', urgency: 'stat' })),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name, r.value])).toEqual([
      [3, 'referral_id', 'R2'],
      [5, 'referral_id', 'R2'],
    ]);
    expect(await p.query('SELECT referral_id FROM referrals')).toEqual([{ referral_id: 'R1' }]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 4, rows_loaded: 2, rows_quarantined: 2 }]);
  });

  it('quarantines a provider whose key NPI is invalid', async () => {
    await p.write('providers_1.csv', csv('npi,name,specialty', '1234567893,Dr Valid,cardiology', '1234567898,Dr Typo,cardiology', '12345,Dr Short,'));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name, r.value])).toEqual([
      [3, 'npi', '1234567898'],
      [4, 'npi', '12345'],
    ]);
  });

  it('quarantines a capacity week that does not start on a Monday', async () => {
    await p.write('capacity_1.csv', csv('service_line,week_start,new_patient_slots', 'cardiology,2026-11-02,40', 'cardiology,2026-11-04,40', 'cardiology,2026-11-09,-3'));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name])).toEqual([
      [3, 'week_start'],
      [4, 'new_patient_slots'],
    ]);
  });
});

describe('optional values that do not parse load as null and are counted', () => {
  it('loads the referral, nulls the value, applies defaults and flags an invalid referring NPI', async () => {
    await p.write(
      'referrals_1.csv',
      csv(
        REFERRAL_HEADER,
        referralRow({ patient_birth_date: 'May 4', patient_zip: 'ABCDE', channel: 'pigeon', reason_code: 'BAD', urgency: 'whenever', referral_type: '', referring_npi: '1234567898', payer_type: 'barter', patient_sex: 'Q' }),
      ),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([]);
    expect(
      await p.query(
        'SELECT referral_id, age_band, patient_zip3, channel, reason_code, urgency, referral_type, referring_npi, has_invalid_referring_npi, payer_type, patient_sex FROM referrals',
      ),
    ).toEqual([
      {
        referral_id: 'R1',
        age_band: null,
        patient_zip3: null,
        channel: null,
        reason_code: null,
        urgency: 'routine',
        referral_type: 'consult',
        referring_npi: null,
        has_invalid_referring_npi: true,
        payer_type: null,
        patient_sex: null,
      },
    ]);
    const issues = await p.query<{ column_name: string; rows: number }>('SELECT column_name, rows::INTEGER AS rows FROM load_issues ORDER BY column_name');
    expect(issues.map((i) => i.column_name)).toEqual([
      'channel',
      'patient_birth_date',
      'patient_sex',
      'patient_zip',
      'payer_type',
      'reason_code',
      'referring_npi',
      'urgency',
    ]);
  });

  it('loads a referral for a service line the config does not know (it is out of scope, not an error)', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ service_line: 'Dermatology' })));
    await p.ingest();
    expect(await p.query('SELECT service_line FROM referrals')).toEqual([{ service_line: 'Dermatology' }]);
  });
});

describe('files that cannot be loaded are refused whole', () => {
  it('refuses a file whose header lacks a required column, names the column, and loads the others', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER.replace('received_at,', ''), 'R1,MRN-1'));
    await p.write('providers_1.csv', csv('npi,name', '1234567893,Dr Valid'));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([{ file: 'referrals_1.csv', reason: 'its header lacks the required column received_at' }]);
    expect(await accounting()).toEqual([{ file: 'providers_1.csv', rows_read: 1, rows_loaded: 1, rows_quarantined: 0 }]);
  });

  it('refuses a CSV file whose name names no extract kind', async () => {
    await p.write('referral_2026.csv', csv('a', '1'));
    await p.write('notes.txt', 'not an extract');
    const summary = await p.ingest();
    expect(summary.refused.map((r) => r.file)).toEqual(['referral_2026.csv']);
    expect(summary.refused[0]!.reason).toMatch(/no known extract kind/);
  });

  it('refuses a file that switches line ends midway, naming the line', async () => {
    await p.write('referrals_1.csv', `${REFERRAL_HEADER}\n${referralRow()}\r\n${referralRow({ referral_id: 'R2' })}\n`);
    const summary = await p.ingest();
    expect(summary.refused[0]!.reason).toBe('line 2 ends with CRLF but earlier lines end with LF; a file must use one line end throughout');
  });
});

describe('whatever the damage, rows read = loaded + quarantined', () => {
  it('accounts for every record of random malformed files', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 25; trial++) {
      const nl = trial % 3 === 0 ? '\r\n' : '\n';
      const pieces = [referralRow({ referral_id: `R${trial}x` }), ',', '"', '""', nl, nl, 'x', 'MRN-7'];
      let body = `${REFERRAL_HEADER}${nl}`;
      for (let i = 0; i < 12; i++) body += `${referralRow({ referral_id: `R${trial}-${i}` })}${pieces[Math.floor(random() * pieces.length)]}${nl}`;
      await p.write(`referrals_${String(trial).padStart(2, '0')}.csv`, body);
    }
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    for (const file of await accounting()) expect(file.rows_read).toBe(file.rows_loaded + file.rows_quarantined);
    expect(summary.rowsRead).toBeGreaterThanOrEqual(25 * 12);
  });
});
