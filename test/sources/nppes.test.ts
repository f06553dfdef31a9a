// The nppes adapter on small NPPES-shaped files: which records it keeps, how
// it maps them, how it counts the rest, and where each came from.
//
// The files use the real CMS header when shared/reference holds the NPPES
// sample; without it they use HEADER_FALLBACK below: the real names of the
// columns these tests fill, padded with filler columns to 330 like the real
// file, so the tests still run.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { AdapterContext, AdapterOutput, CanonicalRow, Origin } from '../../src/sources/adapter.ts';
import { isNppesDataFile, nppesAdapter } from '../../src/sources/nppes/index.ts';
import { valueMap } from '../../src/sources/value-map.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';

const SAMPLE_DIR = join(import.meta.dirname, '../../../shared/reference/real/nppes-sample');
const SAMPLE = join(SAMPLE_DIR, 'npidata_1063947125.csv');

const TAXONOMY_FALLBACK = Array.from({ length: 15 }, (_, i) => [
  `Healthcare Provider Taxonomy Code_${i + 1}`,
  `Provider License Number_${i + 1}`,
  `Provider License Number State Code_${i + 1}`,
  `Healthcare Provider Primary Taxonomy Switch_${i + 1}`,
]).flat();
const HEADER_FALLBACK = [
  'NPI',
  'Entity Type Code',
  'Replacement NPI',
  'Employer Identification Number (EIN)',
  'Provider Organization Name (Legal Business Name)',
  'Provider Last Name (Legal Name)',
  'Provider First Name',
  'Provider Middle Name',
  'Provider Name Prefix Text',
  'Provider Name Suffix Text',
  'Provider Credential Text',
  'Provider Other Organization Name',
  'Provider Business Practice Location Address Postal Code',
  'NPI Deactivation Reason Code',
  'NPI Deactivation Date',
  'NPI Reactivation Date',
  ...TAXONOMY_FALLBACK,
];
while (HEADER_FALLBACK.length < 330) HEADER_FALLBACK.push(`Filler Column ${HEADER_FALLBACK.length + 1}`);

const HEADER: string[] = existsSync(SAMPLE) ? (parse(readFileSync(SAMPLE)) as string[][])[0]! : HEADER_FALLBACK;

type Fields = Record<string, string>;
const quoteAll = (values: readonly string[]) => values.map((v) => `"${v.replaceAll('"', '""')}"`).join(',');
const headerLine = (names: readonly string[] = HEADER) => quoteAll(names);

/** One record in the header's column order, every field quoted as CMS writes them. */
function record(fields: Fields): string {
  const values = new Array<string>(HEADER.length).fill('');
  for (const [name, value] of Object.entries(fields)) {
    const at = HEADER.indexOf(name);
    if (at < 0) throw new Error(`test header lacks ${name}`);
    values[at] = value;
  }
  return quoteAll(values);
}

/** A valid NPI: nine digits and the Luhn check digit over 80840 + them. */
function npi(nine: number): string {
  const body = String(nine);
  const digits = `80840${body}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

const taxonomy = (slot: number, code: string, primary: string) => ({
  [`Healthcare Provider Taxonomy Code_${slot}`]: code,
  [`Healthcare Provider Primary Taxonomy Switch_${slot}`]: primary,
});
const person = (first: string, middle: string, last: string, credential: string) => ({
  'Entity Type Code': '1',
  'Provider First Name': first,
  'Provider Middle Name': middle,
  'Provider Last Name (Legal Name)': last,
  'Provider Credential Text': credential,
});
const postal = (code: string) => ({ 'Provider Business Practice Location Address Postal Code': code });

interface Recorded {
  emitted: { row: CanonicalRow; origin: Origin }[];
  skipped: Record<string, number>;
  quarantined: { origin: Origin; reason: string; column: string | undefined }[];
  read: Record<string, number>;
  issues: { file: string; column: string; reason: string }[];
}

function recorder(): { output: AdapterOutput; recorded: Recorded } {
  const recorded: Recorded = { emitted: [], skipped: {}, quarantined: [], read: {}, issues: [] };
  const output: AdapterOutput = {
    emit: (kind, row, origin) => {
      expect(kind).toBe('providers');
      recorded.emitted.push({ row, origin });
    },
    skip: (_origin, rule) => void (recorded.skipped[rule] = (recorded.skipped[rule] ?? 0) + 1),
    skipMany: (_file, rule, count) => void (recorded.skipped[rule] = (recorded.skipped[rule] ?? 0) + count),
    quarantine: (origin, reason, column) => void recorded.quarantined.push({ origin, reason, column }),
    read: (file, rows) => {
      expect(recorded.read[file], `read() called twice for ${file}`).toBeUndefined();
      recorded.read[file] = rows;
    },
    issue: (file, column, reason) => void recorded.issues.push({ file, column, reason }),
    progress: () => {},
  };
  return { output, recorded };
}

let dir: string;
let warehouse: Warehouse;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-nppes-test-'));
  warehouse = await openWarehouse({ path: ':memory:', timezone: 'America/New_York' });
});
afterEach(async () => {
  await warehouse.close();
  await rm(dir, { recursive: true, force: true });
});

async function referrers(...npis: string[]) {
  if (npis.length === 0) return;
  await warehouse.run(`INSERT INTO referrals (referral_id, referring_npi) VALUES ${npis.map((n, i) => `('r${i}', '${n}')`).join(', ')}`);
}

/** Runs the adapter on one delivery made of these files (name → content). */
async function readDelivery(files: Record<string, string | Buffer>, zip3?: string[]): Promise<Recorded> {
  const config = parseConfig({
    timezone: 'America/New_York',
    service_lines: [{ id: 'cardiology', name: 'Cardiology' }],
    sources: [{ name: 'npi', adapter: 'nppes', path: 'nppes', ...(zip3 ? { zip3 } : {}) }],
  });
  const context: AdapterContext = {
    config,
    source: config.sources![0]!,
    timezone: config.timezone,
    serviceLineOf: () => undefined,
    map: () => valueMap(),
    warehouse,
  };
  const delivery = { name: '2026-11', dir, files: [] as { name: string; path: string; sizeBytes: number }[] };
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const path = join(dir, name);
    await writeFile(path, content);
    delivery.files.push({ name, path, sizeBytes: (await stat(path)).size });
  }
  const { output, recorded } = recorder();
  await nppesAdapter.read(delivery, context, output);
  return recorded;
}

const lines = (...records: string[]) => [headerLine(), ...records].join('\n') + '\n';
const FILE = 'npidata_pfile_20050523-20261109.csv';

describe('which records are kept', () => {
  const SLOT3 = npi(100000001);
  const ORG = npi(100000002);
  const DEACTIVATED = npi(100000003);
  const REACTIVATED = npi(100000004);
  const AREA_ONLY = npi(100000005);
  const HISTORY_OUTSIDE_AREA = npi(100000006);
  const ZIP_PLUS_4 = npi(100000007);
  const NEITHER = npi(100000008);
  const DEACTIVATED_ELSEWHERE = npi(100000009);
  const REACTIVATED_BEFORE = npi(100000010);
  const NEIGHBOUR_ZIP3 = npi(100000011);

  const file = lines(
    record({ NPI: SLOT3, ...person('Jane', 'Q', 'Smith', 'MD'), ...postal('10001'), ...taxonomy(1, '207Q00000X', 'N'), ...taxonomy(2, '207R00000X', 'N'), ...taxonomy(3, '207RC0000X', 'Y') }),
    record({
      NPI: ORG,
      'Entity Type Code': '2',
      'Provider Organization Name (Legal Business Name)': 'HUDSON HEART ASSOCIATES PC',
      'Provider Other Organization Name': 'HUDSON HEART',
      ...postal('10016'),
      ...taxonomy(1, '261QM1300X', 'N'),
      ...taxonomy(2, '207RC0000X', 'Y'),
    }),
    record({ NPI: DEACTIVATED, 'NPI Deactivation Date': '05/01/2020' }),
    record({ NPI: REACTIVATED, ...person('Omar', '', 'Haddad', 'DO'), ...postal('10017'), 'NPI Deactivation Date': '01/15/2016', 'NPI Reactivation Date': '03/02/2016', ...taxonomy(1, '207Q00000X', 'Y') }),
    record({ NPI: AREA_ONLY, ...person('Li', '', 'Wei', ''), ...postal('60612'), ...taxonomy(1, '363LF0000X', '') }),
    record({ NPI: HISTORY_OUTSIDE_AREA, ...person('Ana', 'M', 'Lopez', 'NP'), ...postal('94105'), ...taxonomy(1, '363LF0000X', 'Y') }),
    record({ NPI: ZIP_PLUS_4, ...person('Sam', '', 'Jones', 'PA-C'), ...postal('606121234'), ...taxonomy(1, '363A00000X', 'Y') }),
    record({ NPI: NEITHER, ...person('Ed', '', 'Brown', 'MD'), ...postal('94105'), ...taxonomy(1, '207Q00000X', 'Y') }),
    record({ NPI: DEACTIVATED_ELSEWHERE, 'NPI Deactivation Date': '07/04/2019' }),
    record({ NPI: REACTIVATED_BEFORE, ...person('Kim', '', 'Park', 'MD'), ...postal('10001'), 'NPI Deactivation Date': '06/01/2021', 'NPI Reactivation Date': '03/02/2016', ...taxonomy(1, '207Q00000X', 'Y') }),
    record({ NPI: NEIGHBOUR_ZIP3, ...person('Lee', '', 'Chan', 'MD'), ...postal('60599'), ...taxonomy(1, '207Q00000X', 'Y') }),
  );

  beforeEach(async () => {
    await referrers(SLOT3, ORG, DEACTIVATED, REACTIVATED, HISTORY_OUTSIDE_AREA, REACTIVATED_BEFORE, npi(100000012));
  });

  it('keeps the referral history and the ZIP3s, maps each kept record, and names its line', async () => {
    const result = await readDelivery({ [FILE]: file }, ['606', '201']);
    expect(result.emitted).toEqual([
      { row: { npi: SLOT3, name: 'Jane Q Smith MD', specialty: '207RC0000X', practice: undefined, zip: '10001' }, origin: { file: FILE, line: 2 } },
      {
        row: { npi: ORG, name: 'HUDSON HEART ASSOCIATES PC', specialty: '207RC0000X', practice: 'HUDSON HEART ASSOCIATES PC', zip: '10016' },
        origin: { file: FILE, line: 3 },
      },
      { row: { npi: REACTIVATED, name: 'Omar Haddad DO', specialty: '207Q00000X', practice: undefined, zip: '10017' }, origin: { file: FILE, line: 5 } },
      { row: { npi: AREA_ONLY, name: 'Li Wei', specialty: '363LF0000X', practice: undefined, zip: '60612' }, origin: { file: FILE, line: 6 } },
      { row: { npi: HISTORY_OUTSIDE_AREA, name: 'Ana M Lopez NP', specialty: '363LF0000X', practice: undefined, zip: '94105' }, origin: { file: FILE, line: 7 } },
      { row: { npi: ZIP_PLUS_4, name: 'Sam Jones PA-C', specialty: '363A00000X', practice: undefined, zip: '60612' }, origin: { file: FILE, line: 8 } },
    ]);
  });

  it('skips deactivated referrers, and counts everything outside the history and the ZIP3s as not a referrer', async () => {
    const result = await readDelivery({ [FILE]: file }, ['606', '201']);
    // Deactivated: line 4 (no reactivation) and line 11 (reactivated before it
    // was deactivated). Not referrers: line 9 (NEITHER), line 10 (deactivated
    // but never the practice's), line 12 (ZIP3 605, beside 606).
    expect(result.skipped).toEqual({ deactivated: 2, 'not a referrer of this practice': 3 });
    expect(result.read).toEqual({ [FILE]: 11 });
    expect(result.quarantined).toEqual([]);
  });

  it('without zip3 keeps only the referral history', async () => {
    const result = await readDelivery({ [FILE]: file });
    expect(result.emitted.map((e) => e.row.npi)).toEqual([SLOT3, ORG, REACTIVATED, HISTORY_OUTSIDE_AREA]);
    expect(result.skipped).toEqual({ deactivated: 2, 'not a referrer of this practice': 5 });
  });

  it('a practice with no referrals table keeps only its ZIP3s', async () => {
    await warehouse.run('DROP TABLE referrals');
    const result = await readDelivery({ [FILE]: file }, ['606']);
    expect(result.emitted.map((e) => e.row.npi)).toEqual([AREA_ONLY, ZIP_PLUS_4]);
    expect(result.skipped).toEqual({ 'not a referrer of this practice': 9 });
  });

  it('a practice with an empty referral history and no ZIP3s keeps nothing, and still counts every record', async () => {
    await warehouse.run('DELETE FROM referrals');
    const result = await readDelivery({ [FILE]: file });
    expect(result.emitted).toEqual([]);
    expect(result.skipped).toEqual({ 'not a referrer of this practice': 11 });
    expect(result.read).toEqual({ [FILE]: 11 });
  });
});

describe('mapping', () => {
  it('falls back to taxonomy slot 1 when no slot is primary, and to the other organization name for practice', async () => {
    const a = npi(200000001);
    const b = npi(200000002);
    await referrers(a, b);
    const result = await readDelivery({
      [FILE]: lines(
        record({ NPI: a, ...person('Rosa', '', 'Diaz', 'MD'), 'Provider Other Organization Name': 'DIAZ FAMILY MEDICINE', ...postal('10001'), ...taxonomy(1, '207Q00000X', 'N'), ...taxonomy(2, '207R00000X', 'N') }),
        record({ NPI: b, 'Entity Type Code': '2', 'Provider Organization Name (Legal Business Name)': 'NORTH CLINIC', ...postal('M5V 2T6'), ...taxonomy(1, '261QP2300X', 'X') }),
      ),
    });
    expect(result.emitted.map((e) => e.row)).toEqual([
      { npi: a, name: 'Rosa Diaz MD', specialty: '207Q00000X', practice: 'DIAZ FAMILY MEDICINE', zip: '10001' },
      { npi: b, name: 'NORTH CLINIC', specialty: '261QP2300X', practice: 'NORTH CLINIC', zip: undefined },
    ]);
    expect(result.issues).toEqual([{ file: FILE, column: 'zip', reason: 'the practice location postal code is not a US ZIP code' }]);
  });

  it('finds its columns by name in any case and order', async () => {
    const a = npi(200000003);
    await referrers(a);
    const names = ['Filler', 'provider business practice location address postal code', 'HEALTHCARE PROVIDER TAXONOMY CODE_1', 'npi', 'entity type code', 'Provider First Name', 'Provider Middle Name', 'Provider Last Name (Legal Name)', 'Provider Credential Text', 'Provider Organization Name (Legal Business Name)', 'Provider Other Organization Name', 'NPI Deactivation Date', 'NPI Reactivation Date'];
    const content = [quoteAll(names), quoteAll(['x', '100011234', '207Q00000X', a, '1', 'Al', '', 'Roy', 'MD', '', '', '', ''])].join('\r\n') + '\r\n';
    const result = await readDelivery({ 'NPIDATA_PFILE_weekly.CSV': content });
    expect(result.emitted).toEqual([{ row: { npi: a, name: 'Al Roy MD', specialty: '207Q00000X', practice: undefined, zip: '10001' }, origin: { file: 'NPIDATA_PFILE_weekly.CSV', line: 2 } }]);
  });
});

describe('records the reader cannot read', () => {
  const a = npi(300000001);
  const b = npi(300000002);
  const c = npi(300000003);
  const keep = (n: string, zip = '10001') => record({ NPI: n, ...person('Al', '', 'Roy', 'MD'), ...postal(zip), ...taxonomy(1, '207Q00000X', 'Y') });
  beforeEach(() => referrers(a, b, c));

  it('quarantines a record with one field too many at its line, and the records after it keep their lines', async () => {
    // A non-empty extra field: DuckDB's strict reader lets extra *empty* fields
    // at the end of a record pass (the declared fields are whole).
    const result = await readDelivery({ [FILE]: lines(keep(a), `${keep(npi(300000009))},"EXTRA"`, keep(b)) });
    expect(result.quarantined).toEqual([{ origin: { file: FILE, line: 3 }, reason: `has more fields than the header's ${HEADER.length}`, column: undefined }]);
    expect(result.emitted.map((e) => [e.row.npi, e.origin.line])).toEqual([[a, 2], [b, 4]]);
    expect(result.read).toEqual({ [FILE]: 3 });
  });

  it('counts a line break inside a quoted field as a physical line', async () => {
    const withBreak = record({ NPI: b, ...person('Bo', '', 'Lin', 'MD'), 'Provider Other Organization Name': 'LIN\nCLINIC', ...postal('10001'), ...taxonomy(1, '207Q00000X', 'Y') });
    const result = await readDelivery({ [FILE]: lines(keep(a), withBreak, keep(c)) });
    expect(result.emitted.map((e) => [e.row.npi, e.origin.line])).toEqual([[a, 2], [b, 3], [c, 5]]);
    expect(result.emitted[1]!.row.practice).toBe('LIN\nCLINIC');
  });

  it('quarantines a record with text after a closing quote, and reads the rest', async () => {
    const broken = keep(npi(300000009)).replace('"Roy"', '"Roy"x');
    const result = await readDelivery({ [FILE]: lines(keep(a), broken, keep(b), keep(c)) });
    expect(result.quarantined).toEqual([{ origin: { file: FILE, line: 3 }, reason: 'has broken quoting (text after the closing quote of a field)', column: undefined }]);
    expect(result.emitted.map((e) => [e.row.npi, e.origin.line])).toEqual([[a, 2], [b, 4], [c, 5]]);
    expect(result.read).toEqual({ [FILE]: 4 });
  });

  it('quarantines the cut last record of an interrupted download, and reads the rest', async () => {
    const cut = keep(c).slice(0, keep(c).indexOf('"Roy"') + 3); // ends inside "Roy"
    const content = [headerLine(), keep(a), keep(b), cut].join('\n');
    const result = await readDelivery({ [FILE]: content });
    expect(result.quarantined).toEqual([{ origin: { file: FILE, line: 4 }, reason: 'has a quote that is never closed (the file ends inside a quoted field)', column: undefined }]);
    expect(result.emitted.map((e) => [e.row.npi, e.origin.line])).toEqual([[a, 2], [b, 3]]);
    expect(result.read).toEqual({ [FILE]: 3 });
  });

  it('repairs a CRLF file the same way: a broken record and a cut last record quarantined, the others on their lines', async () => {
    const broken = keep(npi(300000009)).replace('"Roy"', '"Roy"x');
    const cut = keep(npi(300000008)).slice(0, keep(npi(300000008)).indexOf('"Roy"') + 3);
    const content = [headerLine(), keep(a), broken, keep(b), '', keep(c), cut].join('\r\n');
    const result = await readDelivery({ [FILE]: content });
    expect(result.quarantined.map((q) => [q.origin.line, q.reason])).toEqual([
      [3, 'has broken quoting (text after the closing quote of a field)'],
      [7, 'has a quote that is never closed (the file ends inside a quoted field)'],
    ]);
    // Line 5 is blank: not a record.
    expect(result.emitted.map((e) => [e.row.npi, e.origin.line])).toEqual([[a, 2], [b, 4], [c, 6]]);
    expect(result.read).toEqual({ [FILE]: 5 });
  });

  it('repairs a file larger than one read chunk (1 MiB), where broken records straddle the chunk edges', async () => {
    const rows = Array.from({ length: 1300 }, (_, i) => keep(npi(310000001 + i), '10001'));
    const broken = new Set<number>(); // physical lines
    const breakRecord = (i: number) => {
      rows[i] = rows[i]!.replace('"Roy"', '"Roy" x');
      broken.add(i + 2);
    };
    // Every 7th record is broken, and so is the one that holds the first
    // chunk's last byte, so a skipped record runs across the chunk edge.
    rows.forEach((_, i) => (i + 1) % 7 === 0 && breakRecord(i));
    let end = Buffer.byteLength(headerLine()) + 2;
    const straddling = rows.findIndex((row) => (end += Buffer.byteLength(row) + 2) > 1 << 20);
    if (!broken.has(straddling + 2)) breakRecord(straddling);
    const content = Buffer.from([headerLine(), ...rows].join('\r\n') + '\r\n');
    expect(content.length).toBeGreaterThan(1 << 20);
    const result = await readDelivery({ [FILE]: content }, ['100']);
    expect(result.quarantined.map((q) => q.origin.line)).toEqual([...broken].sort((x, y) => x - y));
    const expectedLines = Array.from({ length: 1300 }, (_, i) => i + 2).filter((line) => !broken.has(line));
    expect(result.emitted.map((e) => e.origin.line)).toEqual(expectedLines);
    expect(result.emitted.map((e) => e.row.npi)).toEqual(expectedLines.map((line) => npi(310000000 + line - 1)));
    expect(result.read).toEqual({ [FILE]: 1300 });
  });

  it('refuses a file whose header lacks an NPPES column, naming the file and the column', async () => {
    const names = HEADER.filter((n) => n !== 'NPI Deactivation Date');
    const content = [quoteAll(names), quoteAll(names.map(() => ''))].join('\n');
    await expect(readDelivery({ [FILE]: content })).rejects.toThrow(`${FILE}: its header lacks the NPPES column "NPI Deactivation Date"`);
  });
});

describe('which files are NPPES data files', () => {
  it.each([
    ['npidata_pfile_20050523-20261109.csv', true],
    ['npidata_pfile_20261103-20261109.csv', true],
    ['NPIDATA_PFILE_20261103-20261109.CSV', true],
    ['npidata_1063947125.csv', true],
    ['2026-11/npidata_pfile_20050523-20261109.csv', true],
    ['npidata_pfile_20050523-20261109_fileheader.csv', false],
    ['othername_pfile_20050523-20261109.csv', false],
    ['pl_pfile_20050523-20261109.csv', false],
    ['endpoint_pfile_20050523-20261109.csv', false],
    ['npidata_pfile_20050523-20261109.csv.zip', false],
    ['npidata.csv', false],
    ['NPPES_Data_Dissemination_November_2026.zip', false],
  ])('%s → %s', (name, accepted) => {
    expect(isNppesDataFile(name)).toBe(accepted);
    expect(nppesAdapter.accepts({ name, path: `/x/${name}`, sizeBytes: 1 })).toBe(accepted);
  });

  it('reads every data file of a delivery in name order, each counted once', async () => {
    const a = npi(400000001);
    await referrers(a);
    const row = record({ NPI: a, ...person('Al', '', 'Roy', 'MD'), ...postal('10001'), ...taxonomy(1, '207Q00000X', 'Y') });
    const result = await readDelivery({
      'npidata_pfile_20261103-20261109.csv': lines(row),
      'npidata_pfile_20050523-20261102.csv': lines(row, record({ NPI: npi(400000002) })),
      'npidata_pfile_20050523-20261102_fileheader.csv': headerLine() + '\n',
      'othername_pfile_20050523-20261102.csv': '"NPI","Provider Other Organization Name"\n',
    });
    expect(result.read).toEqual({ 'npidata_pfile_20050523-20261102.csv': 2, 'npidata_pfile_20261103-20261109.csv': 1 });
    expect(result.emitted.map((e) => e.origin)).toEqual([
      { file: 'npidata_pfile_20050523-20261102.csv', line: 2 },
      { file: 'npidata_pfile_20261103-20261109.csv', line: 2 },
    ]);
  });
});

describe.skipIf(!existsSync(SAMPLE))('the real NPPES sample (skipped: shared/reference/real/nppes-sample is absent)', () => {
  const SAMPLE_NPI = '1063947125';
  const name = 'npidata_1063947125.csv';

  it('has the 330-column CMS header the adapter reads', () => {
    expect(HEADER).toHaveLength(330);
    for (const column of ['NPI', 'Entity Type Code', 'Provider Business Practice Location Address Postal Code', 'NPI Deactivation Date', 'Healthcare Provider Primary Taxonomy Switch_15']) {
      expect(HEADER).toContain(column);
    }
  });

  it('keeps its one row when the NPI is a referrer, mapped as written', async () => {
    await referrers(SAMPLE_NPI);
    const result = await readDelivery({ [name]: readFileSync(SAMPLE) });
    expect(result.read).toEqual({ [name]: 1 });
    expect(result.emitted).toEqual([
      {
        row: { npi: SAMPLE_NPI, name: 'LOVETTSVILLE DENTAL ARTS', specialty: '261QD0000X', practice: 'LOVETTSVILLE DENTAL ARTS', zip: '20180' },
        origin: { file: name, line: 2 },
      },
    ]);
  });

  it('keeps it by its ZIP3 (201), and skips it when neither matches', async () => {
    expect((await readDelivery({ [name]: readFileSync(SAMPLE) }, ['201'])).emitted).toHaveLength(1);
    const skipped = await readDelivery({ [name]: readFileSync(SAMPLE) }, ['202']);
    expect(skipped.emitted).toEqual([]);
    expect(skipped.skipped).toEqual({ 'not a referrer of this practice': 1 });
  });
});
