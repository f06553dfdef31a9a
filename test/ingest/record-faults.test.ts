// extracts.md "Bad input": a record DuckDB's reader cannot be trusted with (too
// long for it, a lone CR outside quotes, extra fields that are empty) is
// quarantined like any other wrong record, at the line where it starts, and
// the rest of the file and of its kind loads: rows_read = loaded + quarantined.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '../../src/ingest/record-scanner.ts';
import { csv, type Practice, practice, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let p: Practice;
beforeEach(async () => (p = await practice()));
afterEach(() => p.cleanup());

const quarantine = () =>
  p.query<{ file: string; line: number; column_name: string | null; value: string | null; reason: string }>(
    'SELECT file, line, column_name, value, reason FROM quarantine ORDER BY file, line',
  );
const accounting = () =>
  p.query<{ file: string; rows_read: number; rows_loaded: number; rows_quarantined: number }>(
    'SELECT file, rows_read::INTEGER AS rows_read, rows_loaded::INTEGER AS rows_loaded, rows_quarantined::INTEGER AS rows_quarantined FROM ingested_files ORDER BY file',
  );
const loaded = () => p.query<{ referral_id: string; source_line: number }>('SELECT referral_id, source_line FROM referrals ORDER BY source_line');

const TOO_LONG = `is longer than ${MAX_RECORD_BYTES.toLocaleString('en-US')} bytes, the most one record may hold`;
const STRAY_CR = 'has a lone carriage return (CR) in an unquoted value (a line break inside a value must be quoted)';
const MORE_FIELDS = "has more fields than the header's 18";

/** A referral row of exactly `bytes` bytes, padded in referring_practice. */
function rowOfLength(bytes: number, overrides: Record<string, string>): string {
  const bare = referralRow({ ...overrides, referring_practice: '' });
  const row = referralRow({ ...overrides, referring_practice: 'x'.repeat(bytes - bare.length) });
  expect(Buffer.byteLength(row)).toBe(bytes);
  return row;
}

describe('a record longer than the limit is quarantined and the rest loads', () => {
  it('loads a record of exactly the limit and quarantines one a byte longer, at its line', async () => {
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow(), rowOfLength(MAX_RECORD_BYTES, { referral_id: 'R2' }), rowOfLength(MAX_RECORD_BYTES + 1, { referral_id: 'R3' }), referralRow({ referral_id: 'R4' })),
    );
    await p.ingest();
    expect(await quarantine()).toEqual([{ file: 'referrals_1.csv', line: 4, column_name: null, value: null, reason: TOO_LONG }]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R2', source_line: 3 },
      { referral_id: 'R4', source_line: 5 },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 4, rows_loaded: 3, rows_quarantined: 1 }]);
  });

  it('quarantines a 2 MB field (over the CSV reader\'s own limit) without refusing the other files of its kind', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', referring_practice: 'x'.repeat(2_000_001) }), referralRow({ referral_id: 'R3' })));
    await p.write('referrals_2.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R9' })));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect((await quarantine()).map((r) => [r.file, r.line, r.reason])).toEqual([['referrals_1.csv', 3, TOO_LONG]]);
    expect(await accounting()).toEqual([
      { file: 'referrals_1.csv', rows_read: 3, rows_loaded: 2, rows_quarantined: 1 },
      { file: 'referrals_2.csv', rows_read: 1, rows_loaded: 1, rows_quarantined: 0 },
    ]);
  });

  it('quarantines a long quoted field that spans lines, and numbers the lines after it', async () => {
    const manyLines = `"${'note\n'.repeat(250_000)}"`; // 1.25 MB over 250,001 lines
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', referring_practice: manyLines }), referralRow({ referral_id: 'R3' })));
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([[3, TOO_LONG]]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R3', source_line: 250_004 },
    ]);
  });

  it("quarantines a record the CSV reader refuses for its length (after a megabyte of blank lines) instead of refusing the batch", async () => {
    // The reader counts the blank lines before a record into its line size.
    const blank = '\n'.repeat(1_000_500);
    await p.write('referrals_1.csv', `${REFERRAL_HEADER}\n${referralRow()}\n${blank}${rowOfLength(MAX_RECORD_BYTES, { referral_id: 'R2' })}\n${referralRow({ referral_id: 'R3' })}\n`);
    await p.write('referrals_2.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R9' })));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await quarantine()).toEqual([
      {
        file: 'referrals_1.csv',
        line: 1_000_503,
        column_name: null,
        value: null,
        reason: "is longer than the CSV reader's limit of 2,000,000 bytes (counting the blank lines before it)",
      },
    ]);
    expect(await accounting()).toEqual([
      { file: 'referrals_1.csv', rows_read: 3, rows_loaded: 2, rows_quarantined: 1 },
      { file: 'referrals_2.csv', rows_read: 1, rows_loaded: 1, rows_quarantined: 0 },
    ]);
  });

  it('refuses a file whose header row is longer than the limit, naming why, and loads the others', async () => {
    await p.write('referrals_1.csv', csv(`${REFERRAL_HEADER},${'h'.repeat(MAX_RECORD_BYTES)}`, referralRow()));
    await p.write('referrals_2.csv', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R9' })));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([{ file: 'referrals_1.csv', reason: `its header row ${TOO_LONG}` }]);
    expect(await accounting()).toEqual([{ file: 'referrals_2.csv', rows_read: 1, rows_loaded: 1, rows_quarantined: 0 }]);
  });
});

describe('a lone CR outside quotes quarantines the record it breaks, counted once', () => {
  it('in an LF file: the record is quarantined at its first line, naming its column; the CR still ends a physical line', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', referring_practice: 'Example\rFamily Medicine' }), referralRow({ referral_id: 'R3' })));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await quarantine()).toEqual([{ file: 'referrals_1.csv', line: 3, column_name: 'referring_practice', value: null, reason: STRAY_CR }]);
    // Lines 3 and 4 are the two fragments of one record.
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R3', source_line: 5 },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 3, rows_loaded: 2, rows_quarantined: 1 }]);
  });

  it('alike for a CR at the end of a value (before a delimiter) and at the start of a record', async () => {
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow({ referring_name: 'Dr Example\r' }), `\r${referralRow({ referral_id: 'R2' })}`, referralRow({ referral_id: 'R3' })),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name, r.reason])).toEqual([
      [2, 'referring_name', STRAY_CR],
      [4, 'referral_id', STRAY_CR],
    ]);
    expect(await loaded()).toEqual([{ referral_id: 'R3', source_line: 6 }]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 3, rows_loaded: 1, rows_quarantined: 2 }]);
  });

  it('in a CRLF file, and in a .csv.gz file', async () => {
    const rows = [REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', referring_name: 'Dr\rExample' }), referralRow({ referral_id: 'R3' })];
    await p.write('referrals_1.csv', `${rows.join('\r\n')}\r\n`);
    await p.write('referrals_2.csv.gz', csv(REFERRAL_HEADER, referralRow({ referral_id: 'R7', referring_name: 'Dr\rExample' }), referralRow({ referral_id: 'R8' })));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect((await quarantine()).map((r) => [r.file, r.line, r.column_name])).toEqual([
      ['referrals_1.csv', 3, 'referring_name'],
      ['referrals_2.csv.gz', 2, 'referring_name'],
    ]);
    expect(await accounting()).toEqual([
      { file: 'referrals_1.csv', rows_read: 3, rows_loaded: 2, rows_quarantined: 1 },
      { file: 'referrals_2.csv.gz', rows_read: 2, rows_loaded: 1, rows_quarantined: 1 },
    ]);
  });

  it('loads a record with a lone CR inside quotes (a quoted line break), which still ends a physical line', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ referring_practice: '"Example\rFamily"' }), referralRow({ referral_id: 'R2' })));
    await p.ingest();
    expect(await quarantine()).toEqual([]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R2', source_line: 4 },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 2, rows_loaded: 2, rows_quarantined: 0 }]);
  });

  it('reads a file whose every line ends with a lone CR: there the CR is the line end', async () => {
    await p.write('referrals_1.csv', `${[REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2' })].join('\r')}\r`);
    await p.ingest();
    expect(await quarantine()).toEqual([]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R2', source_line: 3 },
    ]);
  });

  it('still refuses an LF file where a CR comes right before a line end: that line ends with CRLF', async () => {
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow(), `${referralRow({ referral_id: 'R2' })}\r`, referralRow({ referral_id: 'R3' })));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([{ file: 'referrals_1.csv', reason: 'line 3 ends with CRLF but earlier lines end with LF; a file must use one line end throughout' }]);
  });
});

describe('a record with more fields than the header is quarantined, empty or not', () => {
  it('quarantines one, two and quoted empty extra fields with the words of a non-empty extra field', async () => {
    await p.write(
      'referrals_1.csv',
      csv(
        REFERRAL_HEADER,
        referralRow(),
        `${referralRow({ referral_id: 'R2' })},`,
        `${referralRow({ referral_id: 'R3' })},,`,
        `${referralRow({ referral_id: 'R4' })},""`,
        `${referralRow({ referral_id: 'R5' })},extra`,
        referralRow({ referral_id: 'R6' }),
      ),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.column_name, r.reason])).toEqual([
      [3, null, MORE_FIELDS],
      [4, null, MORE_FIELDS],
      [5, null, MORE_FIELDS],
      [6, null, MORE_FIELDS],
    ]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R6', source_line: 7 },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 6, rows_loaded: 2, rows_quarantined: 4 }]);
  });

  it('loads a record whose last field is empty: its trailing delimiter ends a field the header names', async () => {
    const row = referralRow({ documents: '' });
    expect(row.endsWith(',')).toBe(true);
    await p.write('referrals_1.csv', `${[REFERRAL_HEADER, row, `${referralRow({ referral_id: 'R2', documents: '' })},`].join('\r\n')}\r\n`);
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([[3, MORE_FIELDS]]);
    expect(await loaded()).toEqual([{ referral_id: 'R1', source_line: 2 }]);
  });

  it('loads a file whose header and every row end with a delimiter: the header has an unnamed last column, and rows need it too', async () => {
    await p.write(
      'referrals_1.csv',
      csv(`${REFERRAL_HEADER},`, `${referralRow()},`, `${referralRow({ referral_id: 'R2' })},x`, referralRow({ referral_id: 'R3' }), `${referralRow({ referral_id: 'R4' })},,`),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([
      [4, "has fewer fields than the header's 19"],
      [5, "has more fields than the header's 19"],
    ]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R2', source_line: 3 },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 4, rows_loaded: 2, rows_quarantined: 2 }]);
  });

  it('quarantines extra empty fields on a line read on its own after a quote that is never closed', async () => {
    await p.write(
      'referrals_1.csv',
      csv(REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', patient_name: '"Never closed' }), `${referralRow({ referral_id: 'R3' })},`, referralRow({ referral_id: 'R4' })),
    );
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([
      [3, 'has a quote that is never closed (the file ends inside a quoted field)'],
      [4, MORE_FIELDS],
    ]);
    expect(await loaded()).toEqual([
      { referral_id: 'R1', source_line: 2 },
      { referral_id: 'R4', source_line: 5 },
    ]);
    expect(await accounting()).toEqual([{ file: 'referrals_1.csv', rows_read: 4, rows_loaded: 2, rows_quarantined: 2 }]);
  });

  it('reads the lines after a quote that never closes one by one across the reader\'s chunks, a CRLF split between two', async () => {
    const rows: string[] = [];
    let length = 0;
    const add = (row: string) => {
      rows.push(row);
      length += Buffer.byteLength(row) + 2;
    };
    [REFERRAL_HEADER, referralRow(), referralRow({ referral_id: 'R2', patient_name: '"Never closed' })].forEach(add);
    for (let i = 0; length < 1_040_000; i++) add(`${rowOfLength(10_000, { referral_id: `T${i}` })}${i === 50 ? ',' : ''}`);
    // The file is read in chunks of 1 MiB: put a CR as the last byte of the first.
    const cr = (1 << 20) - 1;
    add(rowOfLength(cr - length, { referral_id: 'SPLIT' }));
    rows.push(referralRow({ referral_id: 'AFTER' }));
    const text = rows.map((r) => `${r}\r\n`).join('');
    expect(text.charCodeAt(cr)).toBe(0x0d);
    await p.write('referrals_1.csv', text);
    await p.ingest();
    expect((await quarantine()).map((r) => [r.line, r.reason])).toEqual([
      [3, 'has a quote that is never closed (the file ends inside a quoted field)'],
      [54, MORE_FIELDS],
    ]);
    const tail = await p.query<{ referral_id: string; source_line: number }>(
      "SELECT referral_id, source_line FROM referrals WHERE referral_id IN ('T49', 'T51', 'SPLIT', 'AFTER') ORDER BY source_line",
    );
    expect(tail).toEqual([
      { referral_id: 'T49', source_line: 53 },
      { referral_id: 'T51', source_line: 55 },
      { referral_id: 'SPLIT', source_line: rows.length - 1 },
      { referral_id: 'AFTER', source_line: rows.length },
    ]);
    const [file] = await accounting();
    expect(file).toEqual({ file: 'referrals_1.csv', rows_read: rows.length - 1, rows_loaded: rows.length - 3, rows_quarantined: 2 });
  });
});
