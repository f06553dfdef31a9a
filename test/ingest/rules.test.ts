// extracts.md "Files" and "Value formats": order of application, idempotency,
// encodings and the practice's local time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_CONFIG, csv, type Practice, practice, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let p: Practice;
afterEach(() => p.cleanup());

const APPOINTMENT_HEADER = 'appointment_id,referral_id,patient_id,service_line,appointment_type,booked_at,start_at,status';

describe('later files replace earlier rows by key', () => {
  beforeEach(async () => (p = await practice()));

  it('takes a row from the file with the greatest name, whatever the order of arrival', async () => {
    await p.write('appointments_2026-11-20.csv', csv(APPOINTMENT_HEADER, 'A1,R1,MRN-1,cardiology,,2026-11-02 10:00,2026-11-20 09:00,completed'));
    await p.ingest();
    // An older extract arrives late: it adds A2, and leaves A1 as the newer file had it.
    await p.write(
      'appointments_2026-11-13.csv',
      csv(APPOINTMENT_HEADER, 'A1,R1,MRN-1,cardiology,,2026-11-02 10:00,2026-11-20 09:00,booked', 'A2,R2,MRN-2,cardiology,,2026-11-03 10:00,2026-11-21 09:00,booked'),
    );
    await p.ingest();
    expect(await p.query('SELECT appointment_id, status, source_file FROM appointments ORDER BY 1')).toEqual([
      { appointment_id: 'A1', status: 'completed', source_file: 'appointments_2026-11-20.csv' },
      { appointment_id: 'A2', status: 'booked', source_file: 'appointments_2026-11-13.csv' },
    ]);
    // A newer one replaces.
    await p.write('appointments_2026-11-27.csv', csv(APPOINTMENT_HEADER, 'A2,R2,MRN-2,cardiology,,2026-11-03 10:00,2026-11-21 09:00,no_show'));
    await p.ingest();
    expect(await p.query("SELECT status FROM appointments WHERE appointment_id = 'A2'")).toEqual([{ status: 'no_show' }]);
  });

  it('keeps one row per event however often it is sent', async () => {
    const events = csv('referral_id,event_type,event_at,detail', 'R1,contact_attempt,2026-11-02 10:00,', 'R1,contact_made,2026-11-02 11:00,');
    await p.write('referral_events_1.csv', events);
    await p.write('referral_events_2.csv', csv('referral_id,event_type,event_at,detail', 'R1,contact_made,2026-11-02 11:00,', 'R1,accepted,2026-11-02 12:00,'));
    await p.ingest();
    expect(await p.query('SELECT event_type FROM referral_events ORDER BY event_at')).toEqual([
      { event_type: 'contact_attempt' },
      { event_type: 'contact_made' },
      { event_type: 'accepted' },
    ]);
  });

  it('does not read again a file already loaded with the same name, size and modification time', async () => {
    const { utimes, writeFile } = await import('node:fs/promises');
    const path = `${p.inbox}/referrals_a.csv`;
    // Whole-second times: utimes takes seconds as a float, which need not round-trip a millisecond value.
    const loadedAt = new Date('2026-11-20T10:00:00Z');
    const content = csv(REFERRAL_HEADER, referralRow());
    await p.write('referrals_a.csv', content);
    await utimes(path, loadedAt, loadedAt);
    await p.ingest();
    // Same name, size and mtime, different bytes: only a changed size or mtime would have it read again.
    await writeFile(path, content.replace('R1,', 'R9,'));
    await utimes(path, loadedAt, loadedAt);
    expect(await p.ingest()).toMatchObject({ filesLoaded: 0, filesAlreadyLoaded: 1 });
    // Touched: it is hashed, found new, and loaded.
    const touchedAt = new Date('2026-11-20T10:00:05Z');
    await utimes(path, touchedAt, touchedAt);
    expect(await p.ingest()).toMatchObject({ filesLoaded: 1 });
    expect(await p.query('SELECT referral_id FROM referrals ORDER BY 1')).toEqual([{ referral_id: 'R1' }, { referral_id: 'R9' }]);
  });

  it('reads the files of one kind in one batch, each record at its own file\'s line, and the later file wins', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', received_at: 'soon' }), referralRow({ referral_id: 'R3', urgency: 'urgent' })));
    await p.write('referrals_2.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R3', urgency: 'stat' }), 'R4,too,few', referralRow({ referral_id: 'R5', patient_id: '' })));
    expect(await p.ingest()).toMatchObject({ filesLoaded: 2, rowsRead: 6, rowsLoaded: 3, rowsQuarantined: 3 });
    expect(await p.query('SELECT file, line, column_name FROM quarantine ORDER BY file, line')).toEqual([
      { file: 'referrals_1.csv', line: 3, column_name: 'received_at' },
      { file: 'referrals_2.csv', line: 3, column_name: null },
      { file: 'referrals_2.csv', line: 4, column_name: 'patient_id' },
    ]);
    expect(await p.query('SELECT file, rows_read::INTEGER AS r, rows_loaded::INTEGER AS l FROM ingested_files ORDER BY file')).toEqual([
      { file: 'referrals_1.csv', r: 3, l: 2 },
      { file: 'referrals_2.csv', r: 3, l: 1 },
    ]);
    expect(await p.query('SELECT referral_id, urgency, source_file FROM referrals ORDER BY 1')).toEqual([
      { referral_id: 'R1', urgency: 'routine', source_file: 'referrals_1.csv' },
      { referral_id: 'R3', urgency: 'stat', source_file: 'referrals_2.csv' },
    ]);
  });

  it('changes nothing when the same content arrives again under another name', async () => {
    const content = csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2' }));
    await p.write('referrals_a.csv', content);
    await p.ingest();
    const before = await p.query('SELECT * FROM referrals ORDER BY referral_id');
    await p.write('referrals_b.csv.gz', content);
    const summary = await p.ingest();
    expect(summary).toMatchObject({ filesLoaded: 0, filesAlreadyLoaded: 2, rowsRead: 0 });
    expect(await p.query('SELECT * FROM referrals ORDER BY referral_id')).toEqual(before);
    expect(await p.query('SELECT file FROM ingested_files')).toEqual([{ file: 'referrals_a.csv' }]);
  });

  it('loads once the same content arriving twice in one run', async () => {
    const content = csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2' }));
    await p.write('referrals_a.csv', content);
    await p.write('referrals_b.csv', content);
    await p.write('visits_a.csv', csv('visit_id,appointment_id,patient_id,service_line,visit_at,summary_sent_at', 'V1,,MRN-000001,cardiology,2026-11-20 09:00,'));
    expect(await p.ingest()).toMatchObject({ filesLoaded: 2, filesAlreadyLoaded: 1, rowsRead: 3, refused: [] });
    expect(await p.query('SELECT file FROM ingested_files ORDER BY file')).toEqual([{ file: 'referrals_a.csv' }, { file: 'visits_a.csv' }]);
  });
});

describe('encodings and formats', () => {
  it('reads gzip, a BOM, CRLF, padded values and renamed headers with a declared format', async () => {
    p = await practice({
      ...BASE_CONFIG,
      feeds: { appointments: { columns: { 'Appt ID': 'appointment_id', 'Start Time': 'start_at', 'Booked On': 'booked_at' }, timestamp_format: '%m/%d/%Y %H:%M' } },
    });
    const body = [
      '\uFEFFAppt ID,Referral_ID,patient_id,service_line,appointment_type,Booked On,Start Time,status',
      ' A1 ,\t R1 ,MRN-1, Cardiology ,"",11/02/2026 10:00,11/20/2026 09:30, Booked\t',
      'A2,,MRN-2,cardiology,FOLLOW_UP,11/02/2026 10:00,2026-11-20 09:30,booked',
    ].join('\r\n');
    await p.write('appointments_ehr.csv.gz', `${body}\r\n`);
    await p.ingest();
    expect(await p.query("SELECT appointment_id, referral_id, service_line, status, strftime(start_at, '%Y-%m-%d %H:%M %z') AS start_at FROM appointments")).toEqual([
      { appointment_id: 'A1', referral_id: 'R1', service_line: 'cardiology', status: 'booked', start_at: '2026-11-20 09:30 -05' },
    ]);
    expect(await p.query('SELECT line, column_name, reason FROM quarantine')).toEqual([
      { line: 3, column_name: 'start_at', reason: 'is not a timestamp in format %m/%d/%Y %H:%M' },
    ]);
  });
});

describe('timestamps become instants in the practice time zone', () => {
  beforeEach(async () => (p = await practice()));

  const receivedUtc = async (...values: string[]) => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, ...values.map((v, i) => referralRow({ referral_id: `R${i}`, received_at: v }))));
    await p.ingest();
    const rows = await p.query<{ utc: string }>("SELECT strftime(timezone('UTC', received_at), '%Y-%m-%d %H:%M') AS utc FROM referrals ORDER BY referral_id");
    return rows.map((r) => r.utc);
  };

  it('reads local wall-clock time, with T or space, with or without seconds', async () => {
    expect(await receivedUtc('2026-07-01 09:00', '2026-07-01T09:00:30', '2026-12-01 09:00')).toEqual(['2026-07-01 13:00', '2026-07-01 13:00', '2026-12-01 14:00']);
  });

  it('converts a Z or ±HH:MM offset to the same instant', async () => {
    expect(await receivedUtc('2026-07-01T09:00Z', '2026-07-01 09:00:00+02:00', '2026-07-01T04:00-05:00')).toEqual(['2026-07-01 09:00', '2026-07-01 07:00', '2026-07-01 09:00']);
  });

  it('moves a time in the spring-forward gap forward by the gap', async () => {
    // 2026-03-08 02:30 does not exist in New York; it is read as 03:30 EDT.
    expect(await receivedUtc('2026-03-08 02:30')).toEqual(['2026-03-08 07:30']);
  });

  it('takes the first of a time that occurs twice in the fall-back hour', async () => {
    // 2026-11-01 01:30 happens at EDT (05:30Z) and again at EST (06:30Z).
    expect(await receivedUtc('2026-11-01 01:30', '2026-11-01 00:59', '2026-11-01 02:00')).toEqual(['2026-11-01 05:30', '2026-11-01 04:59', '2026-11-01 07:00']);
  });

  it('measures real elapsed time across a daylight-saving change', async () => {
    await receivedUtc('2026-03-07 12:00', '2026-03-08 12:00');
    const [row] = await p.query<{ hours: number }>(
      "SELECT (epoch(max(received_at)) - epoch(min(received_at))) / 3600 AS hours FROM referrals",
    );
    expect(row!.hours).toBe(23);
  });

  it('refuses out-of-range clock values', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ received_at: '2026-07-01 24:00' }), referralRow({ referral_id: 'R2', received_at: '2026-07-01 09:61' })));
    await p.ingest();
    expect((await p.query('SELECT line FROM quarantine ORDER BY line')).length).toBe(2);
  });
});
