// Vendor reports in their own shape, loaded through the feed mapping alone
// (no glue code): each test is one option of the mapping and its near miss.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { BASE_CONFIG, csv, type Practice, practice } from '../helpers/ingest.ts';

let p: Practice;
afterEach(() => p?.cleanup());

const withFeeds = (feeds: object, extra: object = {}) => ({ ...BASE_CONFIG, ...extra, feeds });

/** A vendor's appointment report: its own headers, US times, its own status words. */
const APPOINTMENT_FEED = {
  files: ['Appointment Report*.tsv'],
  map: {
    appointment_id: 'Appt #',
    patient_id: { first_of: ['MRN', 'Alt MRN'] },
    service_line: 'Department',
    start_at: { column: 'Appt Time', formats: ['%m/%d/%Y %I:%M %p', '%m/%d/%Y'] },
    status: { column: 'Appt Status', values: { Scheduled: 'booked', Arrived: 'completed', 'Checked Out': 'completed', Canceled: 'cancelled', 'No Show': 'no_show' }, unmapped: 'quarantine' },
  },
};

const tsv = (...rows: string[][]) => `${rows.map((r) => r.join('\t')).join('\n')}\n`;
const APPT_HEADER = ['Appt #', 'MRN', 'Alt MRN', 'Department', 'Appt Time', 'Appt Status', 'Notes'];

async function appointments(sql = 'SELECT appointment_id, patient_key IS NOT NULL AS has_patient, service_line, strftime(start_at, \'%Y-%m-%d %H:%M\') AS start_local, status FROM appointments ORDER BY appointment_id') {
  return p.query(sql);
}

describe('a vendor report through the feed mapping', () => {
  it('reads a TSV named by a glob, with renames, first-of, several formats and a status map', async () => {
    p = await practice(withFeeds({ appointments: APPOINTMENT_FEED }));
    await p.write(
      'Appointment Report 2026-11.tsv',
      tsv(
        APPT_HEADER,
        ['A1', 'M1', '', 'Cardiology', '11/03/2026 2:30 PM', 'Checked Out', 'x'],
        ['A2', '', 'M2', 'CARDIOLOGY', '11/04/2026', 'scheduled', ''],
      ),
    );
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await appointments()).toEqual([
      { appointment_id: 'A1', has_patient: true, service_line: 'cardiology', start_local: '2026-11-03 14:30', status: 'completed' },
      { appointment_id: 'A2', has_patient: true, service_line: 'cardiology', start_local: '2026-11-04 00:00', status: 'booked' },
    ]);
  });

  it('quarantines a status the map does not know, naming the value, when unmapped is quarantine', async () => {
    p = await practice(withFeeds({ appointments: APPOINTMENT_FEED }));
    await p.write('Appointment Report 1.tsv', tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology', '11/03/2026', 'Bumped', '']));
    await p.ingest();
    expect(await p.query('SELECT line, column_name, value, reason FROM quarantine')).toEqual([
      { line: 2, column_name: 'status', value: 'Bumped', reason: 'is not in the value map' },
    ]);
  });

  it('keeps an unmapped value as written by default, so the contract judges it', async () => {
    const feed = { ...APPOINTMENT_FEED, map: { ...APPOINTMENT_FEED.map, status: { column: 'Appt Status', values: { Arrived: 'completed' } } } };
    p = await practice(withFeeds({ appointments: feed }));
    await p.write('Appointment Report 1.tsv', tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology', '11/03/2026', 'booked', ''], ['A2', 'M1', '', 'Cardiology', '11/03/2026', 'Bumped', '']));
    await p.ingest();
    expect(await p.query('SELECT appointment_id, status FROM appointments')).toEqual([{ appointment_id: 'A1', status: 'booked' }]);
    expect(await p.query('SELECT line, reason FROM quarantine')).toEqual([{ line: 3, reason: 'is not one of booked, completed, cancelled, no_show' }]);
  });

  it('gives an unmapped value the default when one is set', async () => {
    const feed = { ...APPOINTMENT_FEED, map: { ...APPOINTMENT_FEED.map, status: { column: 'Appt Status', values: { Arrived: 'completed' }, unmapped: 'booked' } } };
    p = await practice(withFeeds({ appointments: feed }));
    await p.write('Appointment Report 1.tsv', tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology', '11/03/2026', 'Whatever', '']));
    await p.ingest();
    expect(await p.query('SELECT status FROM appointments')).toEqual([{ status: 'booked' }]);
  });

  it('counts rows a filter skips under its name, and accounts read = loaded + skipped + quarantined', async () => {
    const feed = { ...APPOINTMENT_FEED, filters: [{ name: 'not a test patient', column: 'Notes', not_in: ['TEST'] }] };
    p = await practice(withFeeds({ appointments: feed }));
    await p.write(
      'Appointment Report 1.tsv',
      tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology', '11/03/2026', 'Arrived', 'test'], ['A2', 'M1', '', 'Cardiology', '11/03/2026', 'Arrived', 'real'], ['A3', 'M1', '', 'Cardiology', 'soon', 'Arrived', '']),
    );
    const summary = await p.ingest();
    expect(summary.rowsSkipped).toBe(1);
    expect(await p.query('SELECT appointment_id FROM appointments')).toEqual([{ appointment_id: 'A2' }]);
    expect(await p.query('SELECT rows_read::INTEGER AS rows_read, rows_loaded::INTEGER AS rows_loaded, rows_skipped::INTEGER AS rows_skipped, rows_quarantined::INTEGER AS rows_quarantined FROM ingested_files')).toEqual([
      { rows_read: 3, rows_loaded: 1, rows_skipped: 1, rows_quarantined: 1 },
    ]);
    expect(await p.query('SELECT rule, rows::INTEGER AS rows FROM skipped_rows')).toEqual([{ rule: 'not a test patient', rows: 1 }]);
  });

  it('keeps only rows whose value is in an `in` filter (case-insensitive), skipping empty ones', async () => {
    const feed = { ...APPOINTMENT_FEED, filters: [{ column: 'Appt Status', in: ['arrived'] }] };
    p = await practice(withFeeds({ appointments: feed }));
    await p.write('Appointment Report 1.tsv', tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology', '11/03/2026', 'ARRIVED', ''], ['A2', 'M1', '', 'Cardiology', '11/03/2026', '', ''], ['A3', 'M1', '', 'Cardiology', '11/03/2026', 'Canceled', '']));
    await p.ingest();
    expect(await p.query('SELECT appointment_id FROM appointments')).toEqual([{ appointment_id: 'A1' }]);
    expect(await p.query('SELECT rule, rows::INTEGER AS rows FROM skipped_rows')).toEqual([{ rule: 'filter: Appt Status in (arrived)', rows: 2 }]);
  });

  it('joins first and last name, sets a constant, and feeds two canonical columns from one source column', async () => {
    const feed = {
      files: ['refs*.csv'],
      map: {
        referral_id: 'Ref',
        received_at: { column: 'Received', timezone: 'UTC' },
        patient_id: 'MRN',
        service_line: 'Specialty',
        referring_name: { join: ['Dr First', 'Dr Last'] },
        referring_practice: 'Dr Last',
        channel: { value: 'fax' },
      },
    };
    p = await practice(withFeeds({ referrals: feed }));
    await p.write('refs_1.csv', csv('Ref,Received,MRN,Specialty,Dr First,Dr Last', 'R1,2026-11-03 15:00,M1,Cardiology,Ada,Lovelace', 'R2,2026-11-03 15:00,M2,Cardiology,,Hopper'));
    await p.ingest();
    expect(
      await p.query("SELECT referral_id, strftime(received_at, '%H:%M') AS local_time, referring_name, referring_practice, channel FROM referrals ORDER BY 1"),
    ).toEqual([
      // 15:00 UTC is 10:00 in New York (EST in November).
      { referral_id: 'R1', local_time: '10:00', referring_name: 'Ada Lovelace', referring_practice: 'Lovelace', channel: 'fax' },
      { referral_id: 'R2', local_time: '10:00', referring_name: 'Hopper', referring_practice: 'Hopper', channel: 'fax' },
    ]);
  });

  it('reads two renames onto one column as the first non-empty, not as a duplicate header', async () => {
    p = await practice(withFeeds({ appointments: { columns: { 'Appt ID': 'appointment_id', 'Visit #': 'appointment_id' } } }));
    await p.write('appointments_1.csv', csv('Appt ID,Visit #,patient_id,service_line,start_at,status', ',V9,M1,cardiology,2026-11-03 10:00,booked', 'A1,V8,M1,cardiology,2026-11-03 10:00,booked'));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await p.query('SELECT appointment_id FROM appointments ORDER BY 1')).toEqual([{ appointment_id: 'A1' }, { appointment_id: 'V9' }]);
  });

  it('loads the same bytes as two kinds when two feeds name the file (an encounter export as appointments and visits)', async () => {
    const header = 'CSN,MRN,Dept,Start,Status';
    p = await practice(
      withFeeds({
        appointments: { files: ['encounters*.csv'], map: { appointment_id: 'CSN', patient_id: 'MRN', service_line: 'Dept', start_at: 'Start', status: { column: 'Status', values: { Completed: 'completed', Scheduled: 'booked' } } } },
        visits: { files: ['encounters*.csv'], map: { visit_id: 'CSN', appointment_id: 'CSN', patient_id: 'MRN', service_line: 'Dept', visit_at: 'Start' }, filters: [{ column: 'Status', in: ['Completed'] }] },
      }),
    );
    await p.write('encounters_1.csv', csv(header, 'E1,M1,Cardiology,2026-11-03 10:00,Completed', 'E2,M1,Cardiology,2026-11-20 10:00,Scheduled'));
    await p.ingest();
    expect(await p.query('SELECT appointment_id, status FROM appointments ORDER BY 1')).toEqual([
      { appointment_id: 'E1', status: 'completed' },
      { appointment_id: 'E2', status: 'booked' },
    ]);
    expect(await p.query('SELECT visit_id FROM visits')).toEqual([{ visit_id: 'E1' }]);
    expect(await p.query('SELECT kind, rows_read::INTEGER AS rows_read, rows_loaded::INTEGER AS rows_loaded, rows_skipped::INTEGER AS rows_skipped FROM ingested_files ORDER BY kind')).toEqual([
      { kind: 'appointments', rows_read: 2, rows_loaded: 2, rows_skipped: 0 },
      { kind: 'visits', rows_read: 2, rows_loaded: 1, rows_skipped: 1 },
    ]);
  });

  it('reads a Windows-1252 file when the feed says so (a curly apostrophe is text, not a bad byte)', async () => {
    p = await practice(withFeeds({ providers: { encoding: 'windows-1252' } }));
    await p.write('providers_1.csv', Buffer.concat([Buffer.from('npi,name,practice\n1234567893,Dr O'), Buffer.from([0x92]), Buffer.from('Brien,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    await p.ingest();
    expect(await p.query('SELECT name, practice FROM providers')).toEqual([{ name: 'Dr O\u2019Brien', practice: 'Caf\u00e9' }]);
  });

  it('loads a bad byte in an optional column as null and counts it, keeping the row (UTF-8 feed)', async () => {
    p = await practice();
    await p.write('providers_1.csv', Buffer.concat([Buffer.from('npi,name,practice\n1234567893,Dr A,Caf'), Buffer.from([0xe9]), Buffer.from('\n1245319599,Dr B,Plain\n')]));
    await p.ingest();
    expect(await p.query('SELECT name, practice FROM providers ORDER BY name')).toEqual([
      { name: 'Dr A', practice: null },
      { name: 'Dr B', practice: 'Plain' },
    ]);
    expect(await p.query('SELECT column_name, rows::INTEGER AS rows FROM load_issues')).toEqual([{ column_name: 'practice', rows: 1 }]);
  });

  it('quarantines a bad byte in a required column, at its line', async () => {
    p = await practice();
    await p.write('providers_1.csv', Buffer.concat([Buffer.from('npi,name\n1234567893,Dr '), Buffer.from([0xff]), Buffer.from('\n1245319599,Dr B\n')]));
    await p.ingest();
    expect(await p.query('SELECT line, column_name, reason FROM quarantine')).toEqual([{ line: 2, column_name: 'name', reason: "holds bytes that are not text in the file's encoding" }]);
  });

  it('skips lines above the header and names the raw line in quarantine', async () => {
    p = await practice(withFeeds({ capacity: { skip_lines: 2, delimiter: ';' } }));
    await p.write('capacity_report.csv', 'Capacity report\nprinted 2026-11-30\nservice_line;week_start;new_patient_slots\ncardiology;2026-11-02;10\ncardiology;2026-11-03;10\n');
    await p.ingest();
    expect(await p.query('SELECT new_patient_slots FROM capacity')).toEqual([{ new_patient_slots: 10 }]);
    expect(await p.query('SELECT line, column_name FROM quarantine')).toEqual([{ line: 5, column_name: 'week_start' }]);
  });

  it('names each row’s source, delivery, raw file and line', async () => {
    p = await practice(withFeeds({ appointments: APPOINTMENT_FEED }));
    await p.write('Appointment Report 1.tsv', tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology', '11/03/2026', 'Arrived', ''], ['A2', 'M1', '', 'Cardiology', '11/03/2026', 'Arrived', '']));
    await p.ingest();
    expect(await p.query('SELECT appointment_id, source_name, source_delivery, source_file, source_line FROM appointments ORDER BY 1')).toEqual([
      { appointment_id: 'A1', source_name: 'inbox', source_delivery: 'Appointment Report 1.tsv', source_file: 'Appointment Report 1.tsv', source_line: 2 },
      { appointment_id: 'A2', source_name: 'inbox', source_delivery: 'Appointment Report 1.tsv', source_file: 'Appointment Report 1.tsv', source_line: 3 },
    ]);
  });

  it('names the line of a row after a multi-line record', async () => {
    p = await practice();
    await p.write('providers_1.csv', 'npi,name,practice\n1234567893,Dr A,"Two\nlines"\n1245319599,Dr B,One\n');
    await p.ingest();
    expect(await p.query('SELECT name, source_line FROM providers ORDER BY name')).toEqual([
      { name: 'Dr A', source_line: 2 },
      { name: 'Dr B', source_line: 4 },
    ]);
  });

  it('matches service lines by alias in canonical files too, and keeps an unknown one as written', async () => {
    p = await practice({ ...BASE_CONFIG, service_lines: [{ id: 'cardiology', name: 'Cardiology', aliases: ['CARDIOLOGY CLINIC', '207RC0000X'] }] });
    await p.write('capacity_1.csv', csv('service_line,week_start,new_patient_slots', ' cardiology clinic ,2026-11-02,5', '207rc0000x,2026-11-09,6', 'Podiatry Dept,2026-11-02,7'));
    await p.ingest();
    expect(await p.query('SELECT service_line, new_patient_slots FROM capacity ORDER BY new_patient_slots')).toEqual([
      { service_line: 'cardiology', new_patient_slots: 5 },
      { service_line: 'cardiology', new_patient_slots: 6 },
      { service_line: 'Podiatry Dept', new_patient_slots: 7 },
    ]);
  });

  it('names files it ignores, and why', async () => {
    p = await practice();
    await p.write('readme.pdf', 'x');
    await p.write('Weekly.xlsx', 'x');
    const summary = await p.ingest();
    expect(summary.ignored.map((i) => i.file).sort()).toEqual(['Weekly.xlsx', 'readme.pdf']);
    expect(summary.ignored.find((i) => i.file === 'readme.pdf')!.reason).toMatch(/not an extract/);
    expect(summary.refused).toEqual([]);
  });
});

describe('the feed mapping is checked when the config loads', () => {
  const problems = (feeds: object) => {
    try {
      parseConfig(withFeeds(feeds));
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('refuses a map onto a column the kind does not have, naming the path', () => {
    expect(problems({ referrals: { map: { chanel: 'Channel' } } })).toEqual([expect.stringMatching(/^\$\.feeds\.referrals\.map\.chanel: not a column of referrals/)]);
  });

  it('refuses a rename onto a column the kind does not have', () => {
    expect(problems({ referrals: { columns: { Channel: 'chanel' } } })).toEqual([expect.stringMatching(/^\$\.feeds\.referrals\.columns\.Channel: chanel is not a column/)]);
  });

  it('refuses a value map onto a value outside the enum', () => {
    expect(problems({ appointments: { map: { status: { column: 'S', values: { Done: 'finished' } } } } })).toEqual([
      expect.stringMatching(/^\$\.feeds\.appointments\.map\.status\.values\.Done: finished is not one of booked/),
    ]);
  });

  it('accepts a value map onto the enum in another case', () => {
    expect(problems({ appointments: { map: { status: { column: 'S', values: { Done: 'COMPLETED' } } } } })).toEqual([]);
  });

  it('refuses a strptime format DuckDB cannot read, and formats on a column that is no time', () => {
    expect(problems({ appointments: { map: { start_at: { column: 'S', formats: ['%m/%d/%Q'] } } } })).toEqual([expect.stringMatching(/map\.start_at\.formats\[0\]: .*%Q is not a strptime code/)]);
    expect(problems({ appointments: { map: { status: { column: 'S', formats: ['%Y'] } } } })).toEqual([expect.stringMatching(/map\.status\.formats: status is not a timestamp or date column/)]);
  });

  it('refuses quarantine-when-unmapped on an optional column, and a spec with two sources', () => {
    expect(problems({ referrals: { map: { channel: { column: 'C', values: { F: 'fax' }, unmapped: 'quarantine' } } } })).toEqual([expect.stringMatching(/channel is optional/)]);
    expect(problems({ referrals: { map: { channel: { column: 'C', value: 'fax' } } } })).toEqual([expect.stringMatching(/exactly one of column, first_of, join or value/)]);
  });

  it('refuses an unknown zone and a filter with no test', () => {
    expect(problems({ referrals: { timezone: 'Mars/Olympus' } })).toEqual([expect.stringMatching(/^\$\.feeds\.referrals\.timezone:/)]);
    expect(problems({ referrals: { filters: [{ column: 'X' }] } })).toEqual([expect.stringMatching(/filters\[0\]: give exactly one of in, not_in or present/)]);
  });
});

describe('spreadsheets and NDJSON through the feed mapping', () => {
  it('reads a named sheet of an .xlsx report, dates and numbers as the cells show them, each row naming its sheet row', async () => {
    const { SharedStrings, writeWorkbook } = await import('../sources/readers-xlsx-fixtures.ts');
    p = await practice(withFeeds({ capacity: { files: ['Slots*.xlsx'], sheet: 'Weekly', map: { service_line: 'Dept', week_start: 'Week', new_patient_slots: 'New Slots' } } }));
    const s = new SharedStrings();
    const weekly = [
      `<row r="1">${s.cell('A1', 'Dept')}${s.cell('B1', 'Week')}${s.cell('C1', 'New Slots')}</row>`,
      // 46328 is 2026-11-02 (a Monday) in Excel's serial dates; style 1 is a date format.
      `<row r="2">${s.cell('A2', 'Cardiology')}<c r="B2" s="1"><v>46328</v></c><c r="C2"><v>12</v></c></row>`,
      `<row r="4">${s.cell('A4', 'Cardiology')}<c r="B4" s="1"><v>46329</v></c><c r="C4"><v>9</v></c></row>`,
    ].join('');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(p.inbox, { recursive: true });
    await writeWorkbook(`${p.inbox}/Slots November.xlsx`, {
      strings: s,
      sheets: [
        { name: 'Notes', rows: `<row r="1">${s.cell('A1', 'ignore me')}</row>` },
        { name: 'Weekly', rows: weekly },
      ],
      cellXfs: [0, 14],
    });
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await p.query("SELECT service_line, strftime(week_start, '%Y-%m-%d') AS week, new_patient_slots, source_line FROM capacity")).toEqual([
      { service_line: 'cardiology', week: '2026-11-02', new_patient_slots: 12, source_line: 2 },
    ]);
    // 2026-11-03 is no Monday: quarantined at its sheet row.
    expect(await p.query('SELECT file, line, column_name FROM quarantine')).toEqual([{ file: 'Slots November.xlsx', line: 4, column_name: 'week_start' }]);
  });

  it('reads NDJSON with nested keys, quarantining a line that is no JSON object at its line', async () => {
    p = await practice(withFeeds({ providers: { files: ['directory*.ndjson'], map: { npi: 'identifier.npi', name: { join: ['name.given', 'name.family'] }, practice: 'org.name' } } }));
    await p.write(
      'directory-2026.ndjson',
      [
        JSON.stringify({ identifier: { npi: '1234567893' }, name: { given: 'Ada', family: 'Okafor' }, org: { name: 'Eastside Family Medicine' } }),
        '{"identifier": {"npi": "1245319599"}, "name": ',
        '',
        JSON.stringify({ identifier: { npi: '1245319599' }, name: { family: 'Lindqvist' } }),
      ].join('\n'),
    );
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await p.query('SELECT npi, name, practice, source_line FROM providers ORDER BY npi')).toEqual([
      { npi: '1234567893', name: 'Ada Okafor', practice: 'Eastside Family Medicine', source_line: 1 },
      { npi: '1245319599', name: 'Lindqvist', practice: null, source_line: 4 },
    ]);
    expect(await p.query('SELECT line, reason FROM quarantine')).toEqual([{ line: 2, reason: expect.stringMatching(/JSON/) }]);
    expect(await p.query('SELECT rows_read::INTEGER AS read, rows_loaded::INTEGER AS loaded, rows_quarantined::INTEGER AS quarantined FROM ingested_files')).toEqual([
      { read: 3, loaded: 2, quarantined: 1 },
    ]);
  });
});

describe('names and values as real exports write them', () => {
  it('reads a file whose name holds glob characters as that file, not its neighbour', async () => {
    p = await practice();
    await p.write('capacity_[1].csv', csv('service_line,week_start,new_patient_slots', 'cardiology,2026-11-02,5'));
    await p.write('capacity_1.csv', csv('service_line,week_start,new_patient_slots', 'cardiology,2026-11-09,7'));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await p.query("SELECT source_file, new_patient_slots FROM capacity ORDER BY 1")).toEqual([
      { source_file: 'capacity_1.csv', new_patient_slots: 7 },
      { source_file: 'capacity_[1].csv', new_patient_slots: 5 },
    ]);
  });

  it('matches a value map, a filter and a service line through a trailing no-break space', async () => {
    const feed = { ...APPOINTMENT_FEED, filters: [{ column: 'Notes', not_in: ['TEST'] }] };
    p = await practice(withFeeds({ appointments: feed }));
    await p.write('Appointment Report 1.tsv', tsv(APPT_HEADER, ['A1', 'M1', '', 'Cardiology\u00a0', '11/03/2026', 'Checked Out\u00a0', 'test\u00a0'], ['A2', 'M1', '', 'Cardiology\u00a0', '11/03/2026', 'Checked Out\u00a0', '']));
    const summary = await p.ingest();
    expect(summary.rowsSkipped).toBe(1);
    expect(await p.query('SELECT appointment_id, service_line, status FROM appointments')).toEqual([{ appointment_id: 'A2', service_line: 'cardiology', status: 'completed' }]);
  });
});
