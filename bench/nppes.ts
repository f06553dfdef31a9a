// `node --import tsx bench/nppes.ts [--gb 1] [--keep]`: the nppes adapter on a
// national-shaped NPPES file, in its own process, measured. Not a test: it
// prints measurements. The target is a peak resident memory of 1 GB or less
// whatever the file's size (the national file is about 9 GB).
//
// 1. Writes a file of about --gb GB in a temporary folder: the real CMS header
//    (from shared/reference when present, else the adapter's columns padded
//    to 330) and rows shaped like the real ones (three people to one
//    organization, ZIP and ZIP+4 codes, one to three taxonomies, a few
//    deactivated and reactivated NPIs, every field quoted).
// 2. Runs the adapter on it in a child process under GNU time, against an
//    in-memory warehouse whose referral history names 3,000 of its NPIs, with
//    three ZIP3s configured, and checks that each referrer came back from the
//    line it was written on.
// 3. Prints seconds, peak RSS (GNU time's and the child's own maxRSS), and
//    what was kept and skipped; deletes the file unless --keep.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { parseConfig } from '../src/config/load.ts';
import type { AdapterContext, AdapterOutput } from '../src/sources/adapter.ts';
import { NPPES_COLUMNS, primarySwitchColumn, TAXONOMY_SLOTS, taxonomyCodeColumn } from '../src/sources/nppes/columns.ts';
import { nppesAdapter } from '../src/sources/nppes/index.ts';
import { valueMap } from '../src/sources/value-map.ts';
import { openWarehouse } from '../src/warehouse/warehouse.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SAMPLE = join(ROOT, '../shared/reference/real/nppes-sample/npidata_1063947125.csv');
const FILE_NAME = 'npidata_pfile_20050523-20261109.csv';
const REFERRERS = 3_000;
const ZIP3 = ['100', '606', '941'];

const { values } = parseArgs({ options: { gb: { type: 'string', default: '1' }, keep: { type: 'boolean' }, child: { type: 'string' } } });

// --- the measured process ---------------------------------------------------

interface ChildReport {
  seconds: number;
  maxRssMb: number;
  read: number;
  emitted: number;
  skipped: Record<string, number>;
  quarantined: number;
  referrersFound: number;
  referrersOnTheirLine: number;
}

async function child(dir: string): Promise<void> {
  const records = Number(readFileSync(join(dir, 'records'), 'utf8'));
  const warehouse = await openWarehouse({ path: ':memory:', timezone: 'America/New_York' });
  const referrers = new Map<string, number>(); // NPI → the line it was written on
  for (let k = 0; k < REFERRERS; k++) {
    const record = 1 + Math.floor((k * records) / REFERRERS);
    referrers.set(npiOf(record), record + 1);
  }
  await warehouse.run(
    `INSERT INTO referrals (referral_id, referring_npi) VALUES ${[...referrers.keys()].map((npi, i) => `('r${i}', '${npi}')`).join(', ')}`,
  );
  const config = parseConfig({
    timezone: 'America/New_York',
    service_lines: [{ id: 'cardiology', name: 'Cardiology' }],
    sources: [{ name: 'npi', adapter: 'nppes', path: 'nppes', zip3: ZIP3 }],
  });
  const context: AdapterContext = {
    config,
    source: config.sources![0]!,
    timezone: config.timezone,
    serviceLineOf: () => undefined,
    map: () => valueMap(),
    warehouse,
  };
  const report: ChildReport = { seconds: 0, maxRssMb: 0, read: 0, emitted: 0, skipped: {}, quarantined: 0, referrersFound: 0, referrersOnTheirLine: 0 };
  const output: AdapterOutput = {
    emit(_kind, row, origin) {
      report.emitted++;
      const line = referrers.get(row.npi ?? '');
      if (line !== undefined) {
        report.referrersFound++;
        if (line === origin.line) report.referrersOnTheirLine++;
      }
    },
    skip: (_origin, rule) => void (report.skipped[rule] = (report.skipped[rule] ?? 0) + 1),
    skipMany: (_file, rule, count) => void (report.skipped[rule] = (report.skipped[rule] ?? 0) + count),
    quarantine: () => void report.quarantined++,
    read: (_file, rows) => void (report.read += rows),
    issue: () => {},
    progress: () => {},
  };
  const path = join(dir, FILE_NAME);
  const started = performance.now();
  await nppesAdapter.read({ name: 'bench', dir, files: [{ name: FILE_NAME, path, sizeBytes: (await stat(path)).size }] }, context, output);
  report.seconds = (performance.now() - started) / 1000;
  await warehouse.close();
  report.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(report) + '\n');
}

// --- the parent: generate, run, report, clean up ----------------------------

async function parent(gigabytes: number): Promise<void> {
  if (!(gigabytes > 0)) throw new Error('--gb takes a positive number of gigabytes');
  const dir = await mkdtemp(join(tmpdir(), 'refloop-bench-nppes-'));
  try {
    process.stderr.write(`bench: writing about ${gigabytes} GB of NPPES rows in ${dir}…\n`);
    const generated = await generate(join(dir, FILE_NAME), gigabytes * 1024 ** 3);
    await writeFile(join(dir, 'records'), String(generated.records));
    process.stderr.write(`bench: ${generated.records.toLocaleString()} records, ${(generated.bytes / 1024 ** 3).toFixed(2)} GB, header from ${generated.headerFrom}\n`);
    process.stderr.write('bench: running the adapter in a child process…\n');
    // Other work on the machine stretches wall time; CPU time is the steadier measure.
    const loadBefore = loadavg()[0]!;
    const run = spawnSync('/usr/bin/time', ['-v', process.execPath, '--import', 'tsx', join(ROOT, 'bench/nppes.ts'), '--child', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, REFLOOP_LOG: 'silent' },
      maxBuffer: 1 << 26,
    });
    if (run.status !== 0) throw new Error(`the adapter run failed (exit ${run.status}): ${run.stderr}`);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildReport;
    const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
    const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(run.stderr)?.[1];
    const cpuSeconds = ['User', 'System'].reduce((sum, kind) => sum + Number(new RegExp(`${kind} time \\(seconds\\): ([\\d.]+)`).exec(run.stderr)?.[1]), 0);
    const peakMb = Math.round(peakKb / 1024);
    const lines = [
      `machine: ${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GB; DuckDB memory_limit ${process.env.REFLOOP_MEMORY_LIMIT ?? '4GB'} (openWarehouse)`,
      `file: ${generated.records.toLocaleString()} records, ${(generated.bytes / 1024 ** 3).toFixed(2)} GB`,
      `adapter read: ${report.seconds.toFixed(1)} s (${(generated.bytes / 1024 ** 2 / report.seconds).toFixed(0)} MB/s); child process wall ${wall}, CPU ${cpuSeconds.toFixed(1)} s (load average before the run ${loadBefore.toFixed(1)})`,
      `peak RSS: ${peakMb} MB (GNU time), ${report.maxRssMb} MB (child maxRSS); target ≤ 1024 MB: ${peakMb <= 1024 ? 'met' : 'NOT MET'}`,
      `rows: read ${report.read.toLocaleString()}, emitted ${report.emitted.toLocaleString()}, quarantined ${report.quarantined}, skipped ${JSON.stringify(report.skipped)}`,
      `referrers: ${report.referrersFound} of ${REFERRERS} (less the deactivated) kept, ${report.referrersOnTheirLine} with the line they were written on`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    const accounted = report.emitted + report.quarantined + Object.values(report.skipped).reduce((a, b) => a + b, 0);
    if (report.read !== generated.records || accounted !== report.read) throw new Error(`accounting broke: read ${report.read}, accounted ${accounted}, written ${generated.records}`);
    if (report.referrersOnTheirLine !== report.referrersFound) throw new Error('some referrers came back with the wrong line');
  } finally {
    if (values.keep) process.stderr.write(`bench: kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

// --- a national-shaped file ---------------------------------------------------

/** The real header when the reference sample is here, else the adapter's columns and fillers, 330 in all. */
function nppesHeader(): { names: string[]; from: string } {
  if (existsSync(SAMPLE)) return { names: (parse(readFileSync(SAMPLE)) as string[][])[0]!, from: 'the reference sample' };
  const names: string[] = [...Object.values(NPPES_COLUMNS)];
  for (let slot = 1; slot <= TAXONOMY_SLOTS; slot++) names.push(taxonomyCodeColumn(slot), primarySwitchColumn(slot));
  while (names.length < 330) names.push(`Filler ${names.length}`);
  return { names, from: "the adapter's columns padded to 330 (reference sample absent)" };
}

/** The 10-digit NPI of generated record n: nine digits and the Luhn check digit over 80840 + them. */
function npiOf(record: number): string {
  const nine = String(100_000_000 + record);
  const digits = `80840${nine}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return nine + String((10 - (sum % 10)) % 10);
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LAST = ['SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS', 'RODRIGUEZ', 'MARTINEZ', 'HERNANDEZ', 'LOPEZ', 'NGUYEN', 'PATEL', 'KIM'];
const FIRST = ['JAMES', 'MARY', 'ROBERT', 'PATRICIA', 'JOHN', 'JENNIFER', 'MICHAEL', 'LINDA', 'DAVID', 'ELIZABETH', 'PRIYA', 'WEI', 'CARLOS', 'FATIMA'];
const CREDENTIALS = ['MD', 'M.D.', 'DO', 'NP', 'PA-C', 'RN', 'DDS', 'PT, DPT', 'LCSW', 'PHARMD', ''];
const TAXONOMIES = ['207Q00000X', '207R00000X', '207RC0000X', '363LF0000X', '363A00000X', '1223G0001X', '225100000X', '183500000X', '261QP2300X', '332B00000X'];
const ORG_WORDS = ['FAMILY', 'MEDICAL', 'HEALTH', 'CARDIOLOGY', 'PHYSICAL THERAPY', 'DENTAL', 'ASSOCIATES', 'CLINIC', 'PHARMACY', 'GROUP'];
const STATES = ['NY', 'CA', 'TX', 'FL', 'IL', 'PA', 'OH', 'GA', 'NC', 'MI', 'VA', 'WA'];
const STREETS = ['MAIN ST', 'OAK AVE', 'PARK BLVD', 'MEDICAL CENTER DR', 'N LIGHT ST', 'HIGHWAY 9', 'ELM ST STE 200'];

async function generate(path: string, targetBytes: number): Promise<{ records: number; bytes: number; headerFrom: string }> {
  const header = nppesHeader();
  const at = new Map(header.names.map((name, i) => [name, i]));
  const col = (name: string) => at.get(name) ?? -1;
  const c = {
    npi: col('NPI'),
    type: col('Entity Type Code'),
    ein: col('Employer Identification Number (EIN)'),
    org: col(NPPES_COLUMNS.organizationName),
    last: col(NPPES_COLUMNS.lastName),
    first: col(NPPES_COLUMNS.firstName),
    middle: col(NPPES_COLUMNS.middleName),
    prefix: col('Provider Name Prefix Text'),
    credential: col(NPPES_COLUMNS.credential),
    otherOrg: col(NPPES_COLUMNS.otherOrganizationName),
    otherOrgType: col('Provider Other Organization Name Type Code'),
    mail: [col('Provider First Line Business Mailing Address'), col('Provider Business Mailing Address City Name'), col('Provider Business Mailing Address State Name'), col('Provider Business Mailing Address Postal Code'), col('Provider Business Mailing Address Country Code (If outside U.S.)'), col('Provider Business Mailing Address Telephone Number')],
    practice: [col('Provider First Line Business Practice Location Address'), col('Provider Business Practice Location Address City Name'), col('Provider Business Practice Location Address State Name'), col(NPPES_COLUMNS.practicePostalCode), col('Provider Business Practice Location Address Country Code (If outside U.S.)'), col('Provider Business Practice Location Address Telephone Number')],
    fax: col('Provider Business Practice Location Address Fax Number'),
    enumerated: col('Provider Enumeration Date'),
    updated: col('Last Update Date'),
    deactivated: col(NPPES_COLUMNS.deactivationDate),
    reactivated: col(NPPES_COLUMNS.reactivationDate),
    sex: col('Provider Sex Code'),
    official: [col('Authorized Official Last Name'), col('Authorized Official First Name'), col('Authorized Official Title or Position'), col('Authorized Official Telephone Number')],
    soleProprietor: col('Is Sole Proprietor'),
    subpart: col('Is Organization Subpart'),
    certified: col('Certification Date'),
    otherIds: [1, 2, 3].map((n) => [col(`Other Provider Identifier_${n}`), col(`Other Provider Identifier Type Code_${n}`), col(`Other Provider Identifier State_${n}`), col(`Other Provider Identifier Issuer_${n}`)]),
    slots: Array.from({ length: 3 }, (_, i) => [col(taxonomyCodeColumn(i + 1)), col(`Provider License Number_${i + 1}`), col(`Provider License Number State Code_${i + 1}`), col(primarySwitchColumn(i + 1))]),
  };
  const random = mulberry32(20261109);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const digits = (n: number) => String(Math.floor(random() * 10 ** n)).padStart(n, '0');
  const date = () => `${String(1 + Math.floor(random() * 12)).padStart(2, '0')}/${String(1 + Math.floor(random() * 28)).padStart(2, '0')}/${2005 + Math.floor(random() * 20)}`;
  const fields = new Array<string>(header.names.length);
  const set = (index: number, value: string) => {
    if (index >= 0) fields[index] = value;
  };

  const row = (record: number): string => {
    fields.fill('');
    set(c.npi, npiOf(record));
    const roll = random();
    if (roll < 0.03) {
      // A deactivated NPI: CMS blanks everything but the NPI and the date.
      set(c.deactivated, date());
      return `"${fields.join('","')}"\n`;
    }
    const organization = roll < 0.28;
    set(c.type, organization ? '2' : '1');
    if (organization) {
      set(c.ein, '<UNAVAIL>');
      set(c.org, `${pick(LAST)} ${pick(ORG_WORDS)} ${pick(ORG_WORDS)} LLC`);
      if (random() < 0.2) (set(c.otherOrg, `${pick(ORG_WORDS)} OF ${pick(STATES)}`), set(c.otherOrgType, '3'));
      const [last, first, title, phone] = c.official;
      set(last!, pick(LAST)), set(first!, pick(FIRST)), set(title!, 'OWNER'), set(phone!, digits(10));
      set(c.subpart, random() < 0.1 ? 'Y' : 'N');
    } else {
      set(c.last, pick(LAST)), set(c.first, pick(FIRST)), set(c.middle, random() < 0.5 ? pick(FIRST) : '');
      set(c.prefix, random() < 0.3 ? 'DR.' : ''), set(c.credential, pick(CREDENTIALS)), set(c.sex, random() < 0.5 ? 'F' : 'M');
      set(c.soleProprietor, pick(['N', 'Y', 'X']));
    }
    const zip = `${String(5 + Math.floor(random() * 995)).padStart(3, '0')}${digits(2)}${random() < 0.6 ? digits(4) : ''}`;
    const state = pick(STATES);
    for (const address of [c.mail, c.practice]) {
      const [street, city, st, postal, country, phone] = address;
      set(street!, `${1 + Math.floor(random() * 9999)} ${pick(STREETS)}`), set(city!, `${pick(LAST)}VILLE`), set(st!, state);
      set(postal!, zip), set(country!, 'US'), set(phone!, digits(10));
    }
    if (random() < 0.3) set(c.fax, digits(10));
    set(c.enumerated, date()), set(c.updated, date()), set(c.certified, random() < 0.5 ? date() : '');
    if (random() < 0.01) (set(c.deactivated, '01/15/2016'), set(c.reactivated, '03/02/2016'));
    const taxonomies = 1 + Math.floor(random() * random() * 3);
    const primary = Math.floor(random() * taxonomies);
    for (let slot = 0; slot < taxonomies; slot++) {
      const [code, license, licenseState, isPrimary] = c.slots[slot]!;
      set(code!, pick(TAXONOMIES)), set(license!, organization ? '' : `${digits(6)}`), set(licenseState!, organization ? '' : state);
      set(isPrimary!, slot === primary ? 'Y' : 'N');
    }
    const otherIds = random() < 0.25 ? 1 + Math.floor(random() * 3) : 0;
    for (let n = 0; n < otherIds; n++) {
      const [id, type, st, issuer] = c.otherIds[n]!;
      set(id!, digits(9)), set(type!, '05'), set(st!, state), set(issuer!, 'MEDICAID');
    }
    return `"${fields.join('","')}"\n`;
  };

  const out = createWriteStream(path);
  let bytes = 0;
  let records = 0;
  const headerLine = `"${header.names.join('","')}"\n`;
  out.write(headerLine);
  bytes += headerLine.length;
  while (bytes < targetBytes) {
    let batch = '';
    for (let i = 0; i < 2000; i++) batch += row(++records);
    bytes += Buffer.byteLength(batch);
    if (!out.write(batch)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { records, bytes, headerFrom: header.from };
}

if (values.child) await child(values.child);
else await parent(Number(values.gb));
