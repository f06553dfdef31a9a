// extracts.md, "Empty and spaces", "Control characters", "Plausible dates"
// and the timestamp format: what the ingest does to a value before and after
// parsing it. Each case sits beside its near miss.
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTROL_CLASS, offsetFinder, SPACE_CLASS } from '../../src/contracts/value-sql.ts';
import { normalizeValue } from '../../src/sources/value-map.ts';
import { BASE_CONFIG, csv, type Practice, practice, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let p: Practice;
afterEach(() => p?.cleanup());

const quarantine = () =>
  p.query<{ file: string; line: number; column_name: string | null; value: string | null; reason: string }>(
    'SELECT file, line, column_name, value, reason FROM quarantine ORDER BY file, line',
  );
const loadIssues = () =>
  p.query<{ file: string; column_name: string; reason: string; rows: number }>(
    'SELECT file, column_name, reason, rows::INTEGER AS rows FROM load_issues ORDER BY file, column_name, reason',
  );
/** The referrals header with referring_id, which the shared one leaves out. */
const HEADER_WITH_ID = `${REFERRAL_HEADER},referring_id`;
const rowWithId = (overrides: Record<string, string>) => `${referralRow(overrides)},${overrides.referring_id ?? ''}`;
/** A CSV field in quotes (for values holding line breaks), quotes doubled. */
const quotedField = (value: string) => `"${value.replaceAll('"', '""')}"`;

describe('white space around a value is trimmed, whatever kind of space it is', () => {
  it('trims no-break, figure, narrow no-break and ideographic spaces, a BOM, tabs and line ends at the ends, and keeps them inside', async () => {
    p = await practice();
    await p.write(
      'referrals_1.csv',
      csv(
        HEADER_WITH_ID,
        rowWithId({
          referral_id: '\u2007R1\u202f',
          service_line: 'cardiology\u00a0',
          referring_id: '\u00a0P\u2007\u3000\ufeff1\u3000',
          referring_name: '\u3000Dr\u00a0Example\u2007',
          referring_practice: '\ufeffExample\u202fClinic\ufeff',
        }),
        rowWithId({ referral_id: 'R2\t', urgency: '\u00a0URGENT', received_at: '2026-11-02 09:15\u3000', documents: 'clinical_notes;\u00a0insurance_card\u3000;\u2007' }),
        rowWithId({ referral_id: quotedField('\nR3\r\n'), referring_name: quotedField('Dr Example\n') }),
        // U+200B (zero width space) is a format character, not white space: kept.
        rowWithId({ referral_id: 'R4\u200b' }),
      ),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([]);
    expect(await loadIssues()).toEqual([]);
    const rows = await p.query<Record<string, unknown>>(
      `SELECT referral_id, service_line, referring_id, referring_name, referring_practice, urgency, strftime(received_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS received_utc, documents
       FROM referrals ORDER BY referral_id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        referral_id: 'R1',
        service_line: 'cardiology',
        referring_id: 'P\u2007\u3000\ufeff1',
        referring_name: 'Dr\u00a0Example',
        referring_practice: 'Example\u202fClinic',
      }),
      expect.objectContaining({ referral_id: 'R2', urgency: 'urgent', received_utc: '2026-11-02 14:15', documents: ['clinical_notes', 'insurance_card'] }),
      expect.objectContaining({ referral_id: 'R3', referring_name: 'Dr Example' }),
      expect.objectContaining({ referral_id: 'R4\u200b' }),
    ]);
  });

  it('reads a value of only white space as empty: null when optional, missing when required', async () => {
    p = await practice();
    await p.write(
      'referrals_1.csv',
      csv(
        REFERRAL_HEADER,
        referralRow({ referral_id: 'R1', referring_name: '\u00a0 \u3000', channel: '\ufeff' }),
        referralRow({ referral_id: 'R2', patient_id: '\u3000\u00a0' }),
        referralRow({ referral_id: '\u2007' }),
      ),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name, r.reason])).toEqual([
      [3, 'patient_id', 'required value is missing'],
      [4, 'referral_id', 'required value is missing'],
    ]);
    expect(await p.query('SELECT referral_id, referring_name, channel FROM referrals')).toEqual([{ referral_id: 'R1', referring_name: null, channel: null }]);
    expect(await loadIssues()).toEqual([]);
  });

  it('trims in SQL exactly what JavaScript trims (the adapters and value maps), and no more', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const codePoints = async (cls: string) => {
        const reader = await connection.runAndReadAll(
          `SELECT list(i ORDER BY i)::VARCHAR AS cps FROM (SELECT * FROM range(0, 55296) UNION ALL SELECT * FROM range(57344, 65536)) AS r(i) WHERE regexp_full_match(chr(i::INTEGER), '[${cls}]')`,
        );
        return JSON.parse(String(reader.getRowObjectsJson()[0]!.cps)) as number[];
      };
      const bmp = Array.from({ length: 65536 }, (_, i) => i).filter((i) => i < 0xd800 || i > 0xdfff);
      expect(await codePoints(SPACE_CLASS)).toEqual(bmp.filter((i) => /\s/u.test(String.fromCodePoint(i))));
      expect(await codePoints(SPACE_CLASS)).toEqual(bmp.filter((i) => normalizeValue(`x${String.fromCodePoint(i)}`) === 'x'));
      expect(await codePoints(CONTROL_CLASS)).toEqual(bmp.filter((i) => /\p{Cc}/u.test(String.fromCodePoint(i))));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('a control character left inside a value makes it a bad value', () => {
  it('quarantines a record whose key holds a NUL, and loads a name holding one as null, counted, naming the character', async () => {
    p = await practice();
    await p.write(
      'referrals_1.csv',
      csv(
        REFERRAL_HEADER,
        referralRow({ referral_id: 'R1\u0000' }),
        referralRow({ referral_id: 'R2', referring_name: 'Dr\u0000Example' }),
        referralRow({ referral_id: 'R3', referring_name: 'Dr Example' }),
      ),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([{ file: 'referrals_1.csv', line: 2, column_name: 'referral_id', value: null, reason: 'holds a control character (U+0000)' }]);
    expect(await p.query('SELECT referral_id, referring_name FROM referrals ORDER BY 1')).toEqual([
      { referral_id: 'R2', referring_name: null },
      { referral_id: 'R3', referring_name: 'Dr Example' },
    ]);
    expect(await loadIssues()).toEqual([{ file: 'referrals_1.csv', column_name: 'referring_name', reason: 'holds a control character (U+0000)', rows: 1 }]);
  });

  it('counts a tab, a line break, DEL or a C1 control inside a stored value, but not a line break inside free text that is never stored', async () => {
    p = await practice();
    await p.write(
      'referrals_1.csv',
      csv(
        REFERRAL_HEADER,
        referralRow({ referral_id: 'R1', referring_name: 'Dr\tExample', referring_practice: quotedField('Example\nClinic'), patient_name: quotedField('Two\nLines\twith a tab') }),
        // U+0085 (next line) is a control, not white space: not trimmed.
        referralRow({ referral_id: 'R2', referring_name: 'Dr Example\u0085', referring_practice: 'Example\u007fClinic', patient_name: 'Test\u0001Person' }),
      ),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([]);
    expect(await p.query('SELECT referral_id, referring_name, referring_practice FROM referrals ORDER BY 1')).toEqual([
      { referral_id: 'R1', referring_name: null, referring_practice: null },
      { referral_id: 'R2', referring_name: null, referring_practice: null },
    ]);
    expect((await loadIssues()).map((i) => [i.column_name, i.reason, i.rows])).toEqual([
      ['patient_name', 'holds a control character (U+0001)', 1],
      ['referring_name', 'holds a control character (U+0009)', 1],
      ['referring_name', 'holds a control character (U+0085)', 1],
      ['referring_practice', 'holds a control character (U+000A)', 1],
      ['referring_practice', 'holds a control character (U+007F)', 1],
    ]);
  });

  it('quarantines a control character in a required enum or name, and keeps a multi-line note', async () => {
    p = await practice();
    await p.write('referral_events_1.csv', csv('referral_id,event_type,event_at,detail', 'R1,accepted\u0001,2026-11-02 10:00,', 'R1,accepted,2026-11-02 10:00,'));
    await p.write('providers_1.csv', csv('npi,name', '1234567893,Dr\u001bExample', '1245319599,Dr Other'));
    await p.write(
      'liaison_activities_1.csv',
      csv('activity_id,at,liaison,npi,provider_id,practice,type,note', `L1,2026-11-02 10:00,Ann,1234567893,,,visit,${quotedField('Lunch.\nAsked\tabout fax.')}`),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.file, r.line, r.column_name, r.reason])).toEqual([
      ['providers_1.csv', 2, 'name', 'holds a control character (U+001B)'],
      ['referral_events_1.csv', 2, 'event_type', 'holds a control character (U+0001)'],
    ]);
    expect(await p.query('SELECT activity_id FROM liaison_activities')).toEqual([{ activity_id: 'L1' }]);
    expect(await loadIssues()).toEqual([]);
  });
});

describe('a UTC offset must be one that exists: -12:00 to +14:00', () => {
  const UTC = `strftime(received_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS received_utc`;

  it('accepts +14:00 and -12:00 and quarantines +14:01, +15:00, +25:00, +99:99, -12:01 and -13:00 in the contract format', async () => {
    p = await practice();
    const offsets = ['+14:00', '+14:01', '+15:00', '+25:00', '+99:99', '-12:00', '-12:01', '-13:00'];
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, ...offsets.map((offset, i) => referralRow({ referral_id: `R${i + 1}`, received_at: `2026-11-02T09:15${offset}` }))));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.value, r.reason])).toEqual(
      ['+14:01', '+15:00', '+25:00', '+99:99', '-12:01', '-13:00'].map((offset) => [
        `2026-11-02T09:15${offset}`,
        'is not a timestamp (YYYY-MM-DD HH:MM[:SS], optionally with Z or an offset from -12:00 to +14:00)',
      ]),
    );
    expect(await p.query(`SELECT referral_id, ${UTC} FROM referrals ORDER BY 1`)).toEqual([
      { referral_id: 'R1', received_utc: '2026-11-01 19:15' },
      { referral_id: 'R6', received_utc: '2026-11-02 21:15' },
    ]);
  });

  it('rejects the same offsets in a feed timestamp format with %z, in each way %z writes them', async () => {
    p = await practice({ ...BASE_CONFIG, feeds: { referrals: { timestamp_format: '%Y-%m-%d %H:%M %z' } } });
    const offsets = ['+1400', '+14:00', '-05', '+1401', '+14:01', '+15', '+2500', '+25:00', '+9999', '+99:99', '-1201'];
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, ...offsets.map((offset, i) => referralRow({ referral_id: `R${i + 1}`, received_at: `2026-11-02 09:15 ${offset}` }))));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.value, r.reason])).toEqual(
      ['+1401', '+14:01', '+15', '+2500', '+25:00', '+9999', '+99:99', '-1201'].map((offset) => [
        `2026-11-02 09:15 ${offset}`,
        'is not a timestamp in format %Y-%m-%d %H:%M %z (with an offset from -12:00 to +14:00)',
      ]),
    );
    expect(await p.query(`SELECT referral_id, ${UTC} FROM referrals ORDER BY 1`)).toEqual([
      { referral_id: 'R1', received_utc: '2026-11-01 19:15' },
      { referral_id: 'R2', received_utc: '2026-11-01 19:15' },
      { referral_id: 'R3', received_utc: '2026-11-02 14:15' },
    ]);
  });

  it('rejects them in a column’s own formats too, with %z anywhere in the format, and still reads the contract format after it', async () => {
    p = await practice({ ...BASE_CONFIG, feeds: { referrals: { map: { received_at: { column: 'received_at', formats: ['%z %d/%m/%Y %H:%M', 'iso'] } } } } });
    const values = ['+05:30 02/11/2026 09:15', '+25:00 02/11/2026 09:15', '2026-11-02T09:15+14:00', '2026-11-02T09:15+14:30'];
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, ...values.map((value, i) => referralRow({ referral_id: `R${i + 1}`, received_at: value }))));
    await p.ingest();
    expect((await quarantine()).map((r) => r.value)).toEqual(['+25:00 02/11/2026 09:15', '2026-11-02T09:15+14:30']);
    expect(await p.query(`SELECT referral_id, ${UTC} FROM referrals ORDER BY 1`)).toEqual([
      { referral_id: 'R1', received_utc: '2026-11-02 03:45' },
      { referral_id: 'R3', received_utc: '2026-11-01 19:15' },
    ]);
  });

  it('finds the offset as written wherever %z stands in the format', () => {
    const find = (format: string, value: string) => new RegExp(offsetFinder(format)).exec(value)?.[1];
    expect(find('%Y-%m-%dT%H:%M:%S%z', '2026-11-02T09:15:00-05:00')).toBe('-05:00');
    expect(find('%Y%m%d%H%M%z', '202611020915+2500')).toBe('+2500');
    expect(find('%z %d/%m/%Y', '+0530 02/11/2026')).toBe('+0530');
    expect(find('%d.%m.%Y (%z) 100%%', '02.11.2026 (+01) 100%')).toBe('+01');
    expect(find('%d.%m.%Y (%z)', '02.11.2026 +01')).toBeUndefined();
  });
});

describe('a timestamp or date outside 1901-01-01 … 2099-12-31 (local) is not believed', () => {
  const IMPLAUSIBLE = 'is outside the plausible dates 1901-01-01 to 2099-12-31';

  it('quarantines a required timestamp or date of every kind just outside the range, loads one just inside, and nulls an optional one, counted', async () => {
    p = await practice();
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R1', received_at: '1900-12-31 23:59' }), referralRow({ referral_id: 'R2', received_at: '1901-01-01 00:00', patient_birth_date: '' })));
    await p.write('referral_events_1.csv', csv('referral_id,event_type,event_at,detail', 'R2,accepted,2100-01-01 00:00,', 'R2,accepted,2099-12-31 23:59,'));
    await p.write(
      'appointments_1.csv',
      csv(
        'appointment_id,referral_id,patient_id,service_line,appointment_type,booked_at,start_at,status',
        'A1,R2,MRN-1,cardiology,,2026-11-02 10:00,0001-01-01 00:00,booked',
        'A2,R2,MRN-1,cardiology,,9999-12-31 00:00,2026-11-20 09:00,booked',
      ),
    );
    await p.write(
      'visits_1.csv',
      csv('visit_id,referral_id,appointment_id,patient_id,service_line,visit_at,summary_sent_at', 'V1,R2,A2,MRN-1,cardiology,9999-12-31 23:59,', 'V2,R2,A2,MRN-1,cardiology,2026-11-20 09:00,1899-12-30 00:00'),
    );
    await p.write('liaison_activities_1.csv', csv('activity_id,at,liaison,npi,provider_id,practice,type,note', 'L1,1900-01-01 00:00,Ann,,,Example Clinic,visit,', 'L2,2026-11-02 10:00,Ann,,,Example Clinic,visit,'));
    // All four are Mondays.
    await p.write('capacity_1.csv', csv('service_line,week_start,new_patient_slots', 'cardiology,1900-12-31,40', 'cardiology,1901-01-07,40', 'cardiology,2099-12-28,40', 'cardiology,2100-01-04,40'));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.file, r.line, r.column_name, r.value, r.reason])).toEqual([
      ['appointments_1.csv', 2, 'start_at', '0001-01-01 00:00', IMPLAUSIBLE],
      ['capacity_1.csv', 2, 'week_start', '1900-12-31', IMPLAUSIBLE],
      ['capacity_1.csv', 5, 'week_start', '2100-01-04', IMPLAUSIBLE],
      ['liaison_activities_1.csv', 2, 'at', '1900-01-01 00:00', IMPLAUSIBLE],
      ['referral_events_1.csv', 2, 'event_at', '2100-01-01 00:00', IMPLAUSIBLE],
      ['referrals_1.csv', 2, 'received_at', '1900-12-31 23:59', IMPLAUSIBLE],
      ['visits_1.csv', 2, 'visit_at', '9999-12-31 23:59', IMPLAUSIBLE],
    ]);
    expect(await p.query(`SELECT appointment_id, booked_at FROM appointments`)).toEqual([{ appointment_id: 'A2', booked_at: null }]);
    expect(await p.query(`SELECT visit_id, summary_sent_at FROM visits`)).toEqual([{ visit_id: 'V2', summary_sent_at: null }]);
    expect(await p.query(`SELECT strftime(week_start, '%Y-%m-%d') AS week FROM capacity ORDER BY 1`)).toEqual([{ week: '1901-01-07' }, { week: '2099-12-28' }]);
    expect(await loadIssues()).toEqual([
      { file: 'appointments_1.csv', column_name: 'booked_at', reason: IMPLAUSIBLE, rows: 1 },
      { file: 'visits_1.csv', column_name: 'summary_sent_at', reason: IMPLAUSIBLE, rows: 1 },
    ]);
  });

  it('judges an instant by its local date in the practice’s zone', async () => {
    p = await practice();
    // New York: 1901-01-01 00:00 EST is 05:00 UTC; 2100-01-01 00:00 EST is 05:00 UTC.
    const values = ['1901-01-01T04:59:00Z', '1901-01-01T05:00:00Z', '2100-01-01T04:59:00Z', '2100-01-01T05:00:00Z'];
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, ...values.map((value, i) => referralRow({ referral_id: `R${i + 1}`, received_at: value }))));
    await p.ingest();
    expect((await quarantine()).map((r) => r.value)).toEqual(['1901-01-01T04:59:00Z', '2100-01-01T05:00:00Z']);
    expect(await p.query('SELECT referral_id FROM referrals ORDER BY 1')).toEqual([{ referral_id: 'R2' }, { referral_id: 'R3' }]);
  });

  it('loads a birth date before 1901 as no age band, counted, and one from 1901 as 90+', async () => {
    p = await practice();
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow({ referral_id: 'R1', patient_birth_date: '1900-12-31' }), referralRow({ referral_id: 'R2', patient_birth_date: '1901-01-01' })),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([]);
    expect(await p.query('SELECT referral_id, age_band FROM referrals ORDER BY 1')).toEqual([
      { referral_id: 'R1', age_band: null },
      { referral_id: 'R2', age_band: '90+' },
    ]);
    expect(await loadIssues()).toEqual([{ file: 'referrals_1.csv', column_name: 'patient_birth_date', reason: IMPLAUSIBLE, rows: 1 }]);
  });
});
