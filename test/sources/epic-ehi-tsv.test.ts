// Reading Epic table files: which files are tables, the encoding of each,
// quoting, line ends, blank lines, and a table split over two files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epicEhiAdapter } from '../../src/sources/epic-ehi/index.ts';
import { tableOf } from '../../src/sources/epic-ehi/tables.ts';
import { detectEncoding, forEachLine, splitFields } from '../../src/sources/epic-ehi/tsv.ts';
import { adapterContext, deliveryOf, EPIC_FIXTURE_CONFIG, RecordingOutput, windows1252 } from './fixtures/epic-delivery.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-epic-tsv-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const file = async (name: string, bytes: Buffer | string) => {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
};

describe('epic-ehi table files', () => {
  it('knows a table by its base name in any case, as .tsv or .txt', () => {
    expect(tableOf('REFERRAL.tsv')).toBe('REFERRAL');
    expect(tableOf('referral_hist.TXT')).toBe('REFERRAL_HIST');
    expect(tableOf('extra/Pat_Enc_Appt.tsv')).toBe('PAT_ENC_APPT');
    expect(tableOf('REFERRAL.csv')).toBeUndefined();
    expect(tableOf('REFERRAL_3.tsv')).toBeUndefined();
    expect(tableOf('REFERRAL.tsv.bak')).toBeUndefined();
    expect(tableOf('PAT_ENC_2.tsv')).toBeUndefined();
    expect(epicEhiAdapter.accepts({ name: 'CLARITY_SER_2.txt', path: '/x', sizeBytes: 1 })).toBe(true);
    expect(epicEhiAdapter.accepts({ name: 'ORDER_PROC.tsv', path: '/x', sizeBytes: 1 })).toBe(false);
  });

  it('decodes a file as UTF-8 only when all of it is valid UTF-8', async () => {
    // A two-byte é straddling the 1 MiB read boundary is still UTF-8.
    const straddling = Buffer.concat([Buffer.alloc((1 << 20) - 1, 0x41), Buffer.from('é\n', 'utf8')]);
    expect(await detectEncoding(await file('straddle.tsv', straddling))).toBe('utf-8');
    // One 0x92 at the very end makes the whole file Windows-1252.
    expect(await detectEncoding(await file('late.tsv', Buffer.concat([Buffer.alloc(3 << 20, 0x41), Buffer.from([0x92])])))).toBe('windows-1252');
    // A lone lead byte at the end is not UTF-8.
    expect(await detectEncoding(await file('cut.tsv', Buffer.from([0x41, 0xc3])))).toBe('windows-1252');
    expect(await detectEncoding(await file('empty.tsv', Buffer.alloc(0)))).toBe('utf-8');
  });

  it('unwraps quoted fields (doubled quotes, tabs inside) and keeps other quotes as written', () => {
    expect(splitFields('a\t"b ""c"" d"\te')).toEqual(['a', 'b "c" d', 'e']);
    expect(splitFields('"x\ty"\tz')).toEqual(['x\ty', 'z']);
    expect(splitFields('5\'10"\tz')).toEqual(['5\'10"', 'z']);
    expect(splitFields('"open\tz')).toEqual(['"open', 'z']);
    expect(splitFields('"a"b\tz')).toEqual(['"a"b', 'z']);
    expect(splitFields('""\t""')).toEqual(['', '']);
    expect(splitFields('a\t\t')).toEqual(['a', '', '']);
  });

  it('numbers physical lines through CRLF, blank lines and a last line without a line end', async () => {
    const path = await file('lines.tsv', 'H\r\na\r\n\r\nb\n\nc');
    const seen: string[] = [];
    await forEachLine(path, 'utf-8', (line, n) => seen.push(`${n}:${line}`));
    expect(seen).toEqual(['1:H', '2:a', '4:b', '6:c']);
  });

  it('reads a delivery whose tables mix encodings, a BOM, blank lines and a table in two files', async () => {
    const delivery = join(dir, 'delivery');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(delivery);
    await writeFile(join(delivery, 'CLARITY_DEP.tsv'), windows1252('DEPARTMENT_ID\tDEPARTMENT_NAME\n101\tCaf\u00e9 Cardiology\n'));
    await writeFile(join(delivery, 'REFERRAL.tsv'), '\ufeffREFERRAL_ID\tPAT_ID\tENTRY_DATE\tREFD_TO_DEPT_ID\n1\tP1\t10/1/2026\t101\n\n');
    await writeFile(join(delivery, 'referral.txt'), 'REFERRAL_ID\tPAT_ID\tENTRY_DATE\tREFD_TO_DEPT_ID\n2\tP2\t10/2/2026\t101\n');
    await writeFile(join(delivery, 'NOTES.tsv'), 'not\ta\ttable\n');
    const out = new RecordingOutput();
    const config = { ...EPIC_FIXTURE_CONFIG, service_lines: [{ id: 'cardiology', name: 'Cardiology', aliases: ['Caf\u00e9 Cardiology'] }] };
    await epicEhiAdapter.read(await deliveryOf(delivery), adapterContext(config, epicEhiAdapter), out);
    expect(Object.fromEntries(out.reads)).toEqual({ 'CLARITY_DEP.tsv': 1, 'REFERRAL.tsv': 1, 'referral.txt': 1 });
    expect(out.rows('referrals').map((r) => `${r.referral_id} ${r.service_line} ${r.received_at}`)).toEqual([
      '1 cardiology 2026-10-01 00:00:00',
      '2 cardiology 2026-10-02 00:00:00',
    ]);
  });

  it('reads a table that holds only its header as zero rows', async () => {
    const delivery = join(dir, 'header-only');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(delivery);
    await writeFile(join(delivery, 'PAT_ENC.tsv'), 'PAT_ENC_CSN_ID\tPAT_ID\n');
    await writeFile(join(delivery, 'REFERRAL_HIST.tsv'), '');
    const out = new RecordingOutput();
    await epicEhiAdapter.read(await deliveryOf(delivery), adapterContext(EPIC_FIXTURE_CONFIG, epicEhiAdapter), out);
    expect(Object.fromEntries(out.reads)).toEqual({ 'PAT_ENC.tsv': 0, 'REFERRAL_HIST.tsv': 0 });
    expect(out.emitted).toEqual([]);
  });

  it('refuses the delivery, naming the file, when a file cannot be read', async () => {
    const out = new RecordingOutput();
    const delivery = { name: 'gone', dir, files: [{ name: 'REFERRAL.tsv', path: join(dir, 'no-such-dir', 'REFERRAL.tsv'), sizeBytes: 10 }] };
    await expect(epicEhiAdapter.read(delivery, adapterContext(EPIC_FIXTURE_CONFIG, epicEhiAdapter), out)).rejects.toThrow(/^REFERRAL\.tsv: cannot be read/);
  });
});
