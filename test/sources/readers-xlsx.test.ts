// .xlsx sheets to CSV: the header is the first row with a value, each record
// names its sheet row, and cells are written as they show (dates in ISO,
// numbers in plain decimals). The workbooks are built part by part as Excel
// writes them (readers-xlsx-fixtures.ts); expected values are worked out by
// hand from the stored serials (46086 = 2026-03-05, 29406 = 1980-07-04).
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xlsxToCsv } from '../../src/sources/readers/xlsx.ts';
import { exists, makeTempDir, modeOf, readCsv, sha256, writeZip } from './readers-helpers.ts';
import { type FixtureWorkbook, SharedStrings, workbookParts, writeWorkbook } from './readers-xlsx-fixtures.ts';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => (tmp = await makeTempDir('xlsx')));
afterAll(() => tmp.remove());

const HEADER = [
  'referral_id', 'patient_name', 'amount', 'ratio', 'received_at', 'birth_date', 'serial_day', 'urgent', 'doubled', 'upper',
  'due_at', 'note', 'huge', 'tiny', 'passed', 'check', 'next_id', 'typed', 'iso_day', 'pm',
];
const COLUMNS = 'ABCDEFGHIJKLMNOPQRST'.split('');

/** Styles: 1 #,##0.00 (built-in 4), 2 custom datetime, 3 built-in date 14, 4 built-in 15, 5 built-in 22, 6 custom with AM/PM. */
function referralsWorkbook(): FixtureWorkbook {
  const s = new SharedStrings();
  const rich = s.raw('<r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">first </t></r><r><t>visit</t></r><rPh sb="0" eb="5"><t>ファースト</t></rPh><phoneticPr fontId="1"/>');
  const header = HEADER.map((name, i) => s.cell(`${COLUMNS[i]}3`, name)).join('');
  const row4 = [
    '<c r="A4"><v>12345</v></c>',
    s.cell('B4', 'Doe, "Jane"'),
    '<c r="C4" s="1"><v>1234.5</v></c>',
    '<c r="D4"><v>0.30000000000000004</v></c>',
    '<c r="E4" s="2"><v>46086.604340277778</v></c>',
    '<c r="F4" s="3"><v>29406</v></c>',
    '<c r="G4" s="4"><v>46086</v></c>',
    '<c r="H4" t="b"><v>1</v></c>',
    '<c r="I4"><f>A4*2</f><v>24690</v></c>',
    '<c r="J4" t="str"><f>UPPER(B4)</f><v>DOE, "JANE"</v></c>',
    '<c r="K4" s="5"><f>G4+0.5</f><v>46086.5</v></c>',
    `<c r="L4" t="s"><v>${rich}</v></c>`,
    '<c r="M4"><v>1E+21</v></c>',
    '<c r="N4"><v>1.5E-7</v></c>',
    '<c r="O4" t="b"><f>A4&gt;1</f><v>1</v></c>',
    '<c r="P4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    '<c r="Q4"><f t="shared" ref="Q4:Q5" si="0">A4+1</f><v>12346</v></c>',
    '<c r="R4" t="inlineStr"><is><t>typed here</t></is></c>',
    '<c r="S4" s="3" t="d"><v>2026-03-05T00:00:00</v></c>',
    '<c r="T4" s="6"><v>46086.75</v></c>',
  ].join('');
  const rows = [
    '<row r="1" spans="1:20"><c r="A1" s="1"/></row>',
    `<row r="3" spans="1:20">${header}</row>`,
    `<row r="4" spans="1:20" x14ac:dyDescent="0.25">${row4}</row>`,
    `<row r="5"><c r="A5"><v>12346</v></c>${s.cell('B5', 'Roe\nRichard')}<c r="H5" t="b"><v>0</v></c><c r="Q5"><f t="shared" si="0"/><v>12347</v></c></row>`,
    '<row r="6"><c r="C6" s="1"/></row>',
    `<row r="7"><c r="A7"><v>12347</v></c>${s.cell('V7', 'stray note')}</row>`,
    // No references: the row follows row 7, its cells A, B, C.
    `<row><c><v>12348</v></c><c t="s"><v>${s.index('Tail_x000D_')}</v></c><c t="inlineStr"><is><t>c</t></is></c></row>`,
  ].join('');
  const summary = `<row r="1">${s.cell('A1', 'metric')}${s.cell('B1', 'value')}</row><row r="2">${s.cell('A2', 'referrals')}<c r="B2"><v>2</v></c></row>`;
  return {
    strings: s,
    sheets: [
      { name: 'Summary', rows: summary },
      { name: 'Referrals', rows },
    ],
    numFmts: { 164: 'yyyy\\-mm\\-dd\\ hh:mm:ss', 165: '[$-409]m/d/yy\\ h:mm\\ AM/PM;@' },
    cellXfs: [0, 4, 164, 14, 15, 22, 165],
  };
}

const EXPECTED_REFERRALS = [
  [...HEADER, '__origin_line'],
  [
    '12345', 'Doe, "Jane"', '1234.5', '0.3', '2026-03-05 14:30:15', '1980-07-04', '2026-03-05', 'TRUE', '24690', 'DOE, "JANE"',
    '2026-03-05 12:00:00', 'first visit', '1000000000000000000000', '0.00000015', 'TRUE', '#DIV/0!', '12346', 'typed here', '2026-03-05', '2026-03-05 18:00:00',
    '4',
  ],
  ['12346', 'Roe\nRichard', '', '', '', '', '', 'FALSE', '', '', '', '', '', '', '', '', '12347', '', '', '', '5'],
  ['12348', 'Tail\r', 'c', ...Array(17).fill(''), '8'],
];

let excelOrder: string;
beforeAll(async () => {
  excelOrder = tmp.path('referrals.xlsx');
  await writeWorkbook(excelOrder, referralsWorkbook());
});

async function convert(src: string, options: { sheet?: string } = {}) {
  const dst = tmp.path('out.csv');
  const result = await xlsxToCsv(src, dst, options);
  return { result, rows: await readCsv(dst), dst };
}

describe('xlsxToCsv', () => {
  it('writes the named sheet as its cells show, each record with its sheet row', async () => {
    const { rows, result, dst } = await convert(excelOrder, { sheet: 'Referrals' });
    expect(rows).toEqual(EXPECTED_REFERRALS);
    expect(result).toMatchObject({ sheet: 'Referrals', sheets: ['Summary', 'Referrals'], header: HEADER, headerRow: 3, rows: 3 });
    expect(result.quarantined).toEqual([{ line: 7, reason: "has a value in column V, right of the header's last column" }]);
    expect(await modeOf(dst)).toBe(0o600);
  });

  it('reads the first sheet in tab order when none is named', async () => {
    const { rows, result } = await convert(excelOrder);
    expect(result.sheet).toBe('Summary');
    expect(rows).toEqual([
      ['metric', 'value', '__origin_line'],
      ['referrals', '2', '2'],
    ]);
  });

  it('matches a sheet name ignoring case, as Excel does', async () => {
    expect((await convert(excelOrder, { sheet: 'REFERRALS' })).result.sheet).toBe('Referrals');
  });

  it('refuses an unknown sheet, naming the sheets there are, and leaves no file', async () => {
    const dst = tmp.path('out.csv');
    await expect(xlsxToCsv(excelOrder, dst, { sheet: 'Referral' })).rejects.toThrow('referrals.xlsx: no sheet named "Referral"; the workbook has "Summary", "Referrals"');
    expect(await exists(dst)).toBe(false);
  });

  it('hashes the .xlsx bytes', async () => {
    const bytes = await readFile(excelOrder);
    expect((await convert(excelOrder)).result).toMatchObject({ sha256: sha256(bytes), bytes: bytes.length });
  });

  it('reads the same whatever order the zip stores its parts in', async () => {
    // Shared strings and styles first and the workbook last, as some writers do; and the reverse of that.
    for (const reorder of [(p: [string, string][]) => [...p].reverse(), (p: [string, string][]) => [...p.slice(5), ...p.slice(0, 5)]]) {
      const src = tmp.path('reordered.xlsx');
      await writeWorkbook(src, referralsWorkbook(), reorder);
      expect((await convert(src, { sheet: 'Referrals' })).rows).toEqual(EXPECTED_REFERRALS);
    }
  });

  it('streams a sheet of many rows', async () => {
    const s = new SharedStrings();
    const rows = [`<row r="1">${s.cell('A1', 'id')}${s.cell('B1', 'name')}</row>`];
    for (let r = 2; r <= 20_001; r++) rows.push(`<row r="${r}"><c r="A${r}"><v>${r * 10}</v></c>${s.cell(`B${r}`, `Name ${r}`)}</row>`);
    const src = tmp.path('big.xlsx');
    await writeWorkbook(src, { strings: s, sheets: [{ name: 'Data', rows: rows.join('') }] });
    const { rows: csv, result } = await convert(src);
    expect(result.rows).toBe(20_000);
    expect(csv[1]).toEqual(['20', 'Name 2', '2']);
    expect(csv.at(-1)).toEqual(['200010', 'Name 20001', '20001']);
  });
});

describe('xlsxToCsv on workbooks from other writers', () => {
  it('reads prefixed elements, absolute part names and the 1904 date system', async () => {
    const book: FixtureWorkbook = {
      sheets: [{ name: 'Visits', rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>visit_day</t></is></c></row><row r="2"><c r="A2" s="1"><v>44196</v></c></row>' }],
      cellXfs: [0, 14],
      date1904: true,
      absoluteTargets: true,
    };
    // The OpenXML SDK writes every SpreadsheetML element with an x: prefix.
    const prefixed = workbookParts(book).map(([name, text]): [string, string] => [
      name,
      name.endsWith('.rels') || name.startsWith('[') ? text : text.replace(/<(\/?)(?!\?|x14ac|xr|mc|a:)([a-zA-Z]+)/g, '<$1x:$2').replace('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'),
    ]);
    expect(prefixed.find(([name]) => name === 'xl/worksheets/sheet1.xml')![1]).toContain('<x:c r="A2" s="1"><x:v>44196</x:v></x:c>');
    const src = tmp.path('prefixed.xlsx');
    await writeZip(src, prefixed);
    expect((await convert(src)).rows).toEqual([
      ['visit_day', '__origin_line'],
      ['2025-01-01', '2'], // 44196 days after 1904-01-01
    ]);
  });

  it('reads a workbook with no shared strings and no styles', async () => {
    const parts = workbookParts({ sheets: [{ name: 'Data', rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row><row r="2"><c r="A2"><v>7</v></c></row>' }] });
    const src = tmp.path('bare.xlsx');
    await writeZip(src, parts.filter(([name]) => name !== 'xl/styles.xml' && name !== 'xl/sharedStrings.xml'));
    expect((await convert(src)).rows).toEqual([
      ['n', '__origin_line'],
      ['7', '2'],
    ]);
  });

  it('skips a chart sheet when choosing the first sheet, and refuses one named', async () => {
    const book: FixtureWorkbook = {
      sheets: [
        { name: 'Chart', rows: '', kind: 'chartsheet' },
        { name: 'Data', rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row>' },
      ],
    };
    const src = tmp.path('chart.xlsx');
    await writeWorkbook(src, book);
    expect((await convert(src)).result.sheet).toBe('Data');
    await expect(xlsxToCsv(src, tmp.path('out.csv'), { sheet: 'Chart' })).rejects.toThrow('chart.xlsx: sheet "Chart" is not a worksheet');
  });
});

describe('xlsxToCsv refuses', () => {
  const refuses = async (name: string, bytes: Buffer | string, message: string | RegExp) => {
    const src = await tmp.file(name, bytes);
    const dst = tmp.path('out.csv');
    await expect(xlsxToCsv(src, dst)).rejects.toThrow(message);
    expect(await exists(dst)).toBe(false);
  };

  it('a CSV saved under an .xlsx name', () => refuses('fake.xlsx', 'referral_id\n1\n', 'fake.xlsx: not an .xlsx workbook (it is not a zip file)'));

  it('an old .xls or password-protected workbook', () =>
    refuses('old.xlsx', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]), /old\.xlsx: an Excel 97-2003 \.xls or a password-protected workbook/));

  it('a zip that holds no workbook', async () => {
    const src = tmp.path('doc.xlsx');
    await writeZip(src, [['word/document.xml', '<document/>']]);
    await expect(xlsxToCsv(src, tmp.path('out.csv'))).rejects.toThrow('doc.xlsx: not an .xlsx workbook (it has no xl/workbook.xml)');
  });

  it('a damaged part, naming it', async () => {
    const src = tmp.path('damaged.xlsx');
    await writeWorkbook(src, referralsWorkbook());
    const bytes = await readFile(src);
    // Flip a byte inside the compressed data of sheet1.xml, the Referrals sheet's part.
    const at = bytes.indexOf('xl/worksheets/sheet1.xml') + 'xl/worksheets/sheet1.xml'.length + 40;
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(src, bytes);
    const dst = tmp.path('out.csv');
    await expect(xlsxToCsv(src, dst, { sheet: 'Referrals' })).rejects.toThrow(/damaged.xlsx: damaged \(part xl\/worksheets\/sheet1.xml/);
    expect(await exists(dst)).toBe(false);
  });

  it('a cell that names a shared string the table lacks, naming the cell', async () => {
    const src = tmp.path('strings.xlsx');
    await writeWorkbook(src, { sheets: [{ name: 'Data', rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row><row r="2"><c r="A2" t="s"><v>99</v></c></row>' }] });
    await expect(xlsxToCsv(src, tmp.path('out.csv'))).rejects.toThrow('strings.xlsx sheet "Data" cell A2: refers to shared string 99, which the workbook does not have');
  });

  it('a sheet that is not well-formed XML, naming the part, and leaves no file', async () => {
    const src = tmp.path('broken.xlsx');
    await writeWorkbook(src, { sheets: [{ name: 'Data', rows: '<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row><row r="2"><c r="A2"><v>1</v></row>' }] });
    const dst = tmp.path('out.csv');
    await expect(xlsxToCsv(src, dst)).rejects.toThrow(/broken\.xlsx: part xl\/worksheets\/sheet1\.xml is not well-formed XML \(/);
    expect(await exists(dst)).toBe(false);
  });
});
