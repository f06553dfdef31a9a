// Delimited vendor reports rewritten as comma CSV: every record written names
// its raw physical line, and a record that cannot be a row is quarantined by
// line, never written and never lost.
import { readFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordScanner } from '../../src/ingest/record-scanner.ts';
import { BROKEN_QUOTING, OPEN_QUOTE, rewriteDelimited, type DelimitedOptions } from '../../src/sources/readers/delimited.ts';
import { DelimitedSplitter } from '../../src/sources/readers/delimited-records.ts';
import { exists, makeTempDir, modeOf, readCsv, sha256 } from './readers-helpers.ts';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => (tmp = await makeTempDir('delimited')));
afterAll(() => tmp.remove());

async function rewrite(raw: string | Buffer, options: DelimitedOptions) {
  const src = await tmp.file('in.txt', raw);
  const dst = tmp.path('out.csv');
  const result = await rewriteDelimited(src, dst, options);
  return { result, rows: await readCsv(dst), dst, src };
}

describe('rewriteDelimited', () => {
  it('skips the report lines above the header and numbers records by raw line', async () => {
    const raw = 'Referral report "Q4\nRun 2026-11-30 06:00\nreferral_id;referring_name;note\n1;Ana;first\n2;"Bo;b";"two\nlines"\n3;Cy;x\n';
    const { result, rows, dst } = await rewrite(raw, { delimiter: ';', skipLines: 2 });
    expect(rows).toEqual([
      ['referral_id', 'referring_name', 'note', '__origin_line'],
      ['1', 'Ana', 'first', '4'],
      ['2', 'Bo;b', 'two\nlines', '5'],
      ['3', 'Cy', 'x', '7'],
    ]);
    expect(result.header).toEqual(['referral_id', 'referring_name', 'note']);
    expect(result.headerLine).toBe(3);
    expect(result.records).toBe(3);
    expect(result.quarantined).toEqual([]);
    expect(result.sha256).toBe(sha256(Buffer.from(raw)));
    expect(await modeOf(dst)).toBe(0o600);
  });

  it("reads '|' with Windows-1252 and CRLF line ends", async () => {
    const raw = Buffer.concat([Buffer.from('id|name\r\n1|O'), Buffer.from([0x92]), Buffer.from('Brien\r\n2|"A|B"\r\n')]);
    const { rows } = await rewrite(raw, { delimiter: '|', encoding: 'windows-1252' });
    expect(rows).toEqual([
      ['id', 'name', '__origin_line'],
      ['1', 'O\u2019Brien', '2'],
      ['2', 'A|B', '3'],
    ]);
  });

  it('reads a tab-delimited UTF-16 file', async () => {
    const raw = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id\tname\n7\tZoë\n', 'utf16le')]);
    const { rows } = await rewrite(raw, { delimiter: '\t', encoding: 'utf-16le' });
    expect(rows).toEqual([
      ['id', 'name', '__origin_line'],
      ['7', 'Zoë', '2'],
    ]);
  });

  it('quarantines a record with the wrong field count by the line it starts on', async () => {
    const raw = 'id;name\n1;"multi\nline"\n2;a;extra\n3\n4;b\n';
    const { result, rows } = await rewrite(raw, { delimiter: ';' });
    expect(result.quarantined).toEqual([
      { line: 4, reason: 'has 3 fields where the header has 2' },
      { line: 5, reason: 'has 1 fields where the header has 2' },
    ]);
    expect(rows.map((r) => r.at(-1))).toEqual(['__origin_line', '2', '6']);
    expect(result.records + result.quarantined.length).toBe(4);
  });

  it('counts a CRLF inside a quoted field as one line end', async () => {
    const { rows } = await rewrite('id;note\r\n1;"a\r\nb"\r\n2;c\r\n', { delimiter: ';' });
    expect(rows).toEqual([
      ['id', 'note', '__origin_line'],
      ['1', 'a\r\nb', '2'],
      ['2', 'c', '4'],
    ]);
  });

  it('treats lone CRs as line ends and blank lines as no records', async () => {
    const { rows, result } = await rewrite('id;name\r1;a\r\r\n\n2;b', { delimiter: ';' });
    expect(rows.slice(1)).toEqual([
      ['1', 'a', '2'],
      ['2', 'b', '5'],
    ]);
    expect(result.quarantined).toEqual([]);
  });

  it('keeps a quote inside an unquoted field as a literal, as the canonical reader does', async () => {
    const { rows } = await rewrite('id;height\n1;5\'10"\n2;ab"c\n', { delimiter: ';' });
    expect(rows.slice(1)).toEqual([
      ['1', '5\'10"', '2'],
      ['2', 'ab"c', '3'],
    ]);
  });

  it('quarantines text after a closing quote and reads on from the next line', async () => {
    const { rows, result } = await rewrite('id;name\n1;"Ana"x;"z\n2;"Bo ""B"""\n', { delimiter: ';' });
    expect(result.quarantined).toEqual([{ line: 2, reason: BROKEN_QUOTING }]);
    expect(rows.slice(1)).toEqual([['2', 'Bo "B"', '3']]);
  });

  it('reads each line on its own after a quote left open at the end of the file', async () => {
    // Inside the open field, line 6's doubled quotes are literals; on its own it has broken quoting.
    const raw = 'id;name\n1;a\n2;"open\n3;c\n\n8;""x""\n5;e;f\n6;g';
    const { rows, result } = await rewrite(raw, { delimiter: ';' });
    expect(rows.slice(1)).toEqual([
      ['1', 'a', '2'],
      ['3', 'c', '4'],
      ['6', 'g', '8'],
    ]);
    expect(result.quarantined).toEqual([
      { line: 3, reason: OPEN_QUOTE },
      { line: 6, reason: BROKEN_QUOTING },
      { line: 7, reason: 'has 3 fields where the header has 2' },
    ]);
  });

  it('gives the same records whatever the chunk size', async () => {
    const raw = 'skip "me\nid;note\r\n1;"a ""q"" \r\nb"\r\n2;"x"y\r\n3;é✓\r\n';
    const whole = await rewrite(raw, { delimiter: ';', skipLines: 1 });
    for (const chunkSize of [1, 2, 3, 7]) {
      const small = await rewrite(raw, { delimiter: ';', skipLines: 1, chunkSize });
      expect(small.rows).toEqual(whole.rows);
      expect(small.result.quarantined).toEqual(whole.result.quarantined);
    }
    expect(whole.rows.slice(1)).toEqual([
      ['1', 'a "q" \r\nb', '3'],
      ['3', 'é✓', '6'],
    ]);
    expect(whole.result.quarantined).toEqual([{ line: 5, reason: BROKEN_QUOTING }]);
  });

  it('reads a file without quoting when quote is null', async () => {
    const { rows } = await rewrite('id|name\n1|"Ana\n', { delimiter: '|', quote: null });
    expect(rows.slice(1)).toEqual([['1', '"Ana', '2']]);
  });

  it('refuses a broken header and leaves no file', async () => {
    const src = await tmp.file('in.txt', 'id;"name"x\n1;a\n');
    const dst = tmp.path('out.csv');
    await expect(rewriteDelimited(src, dst, { delimiter: ';' })).rejects.toThrow(/line 1: the header has broken quoting/);
    expect(await exists(dst)).toBe(false);
  });

  it('refuses a header named like the origin column', async () => {
    const src = await tmp.file('in.txt', 'id;__origin_line\n1;a\n');
    await expect(rewriteDelimited(src, tmp.path('out.csv'), { delimiter: ';' })).rejects.toThrow(/__origin_line/);
  });

  it('writes only the origin column for an empty file', async () => {
    const { rows, result } = await rewrite('', { delimiter: ';', skipLines: 3 });
    expect(rows).toEqual([['__origin_line']]);
    expect(result.records).toBe(0);
  });

  it('writes a file DuckDB reads whole with read_csv', async () => {
    const raw = 'Title\nid;note\n1;"a, ""b""\nc"\n2;\n3;x\n';
    const { dst } = await rewrite(raw, { delimiter: ';', skipLines: 1 });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT id, note, __origin_line FROM read_csv('${dst}', header = true, all_varchar = true, strict_mode = true) ORDER BY id`,
      );
      expect(reader.getRowObjects()).toEqual([
        { id: '1', note: 'a, "b"\nc', __origin_line: '3' },
        { id: '2', note: null, __origin_line: '5' },
        { id: '3', note: 'x', __origin_line: '6' },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    expect((await readFile(dst, 'utf8')).startsWith('id,note,__origin_line\n')).toBe(true);
  });
});

describe('DelimitedSplitter', () => {
  it('agrees with the canonical record scanner on where records start, which are broken and where a quote stays open', () => {
    // A small deterministic generator, so a failure can be replayed.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['a', 'b', ',', ',', '"', '""', '\n', '\r\n', '\r', ' '];
    for (let round = 0; round < 2000; round++) {
      const text = Array.from({ length: 1 + Math.floor(next() * 40) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
      const scanner = new RecordScanner();
      scanner.push(Buffer.from(text));
      const scan = scanner.finish();
      const splitter = new DelimitedSplitter({ delimiter: ',', quote: '"', skipLines: 0 });
      const items = splitter.push(text);
      const end = splitter.finish();
      items.push(...end.items);
      const context = JSON.stringify(text);
      expect(items.map((item) => item.line), context).toEqual([...scan.physicalLines]);
      expect(items.filter((item) => item.kind === 'broken').map((item) => item.line), context).toEqual(scan.malformed.map((m) => scan.physicalLines[m.record]));
      expect(end.openQuoteLine, context).toBe(scan.openQuote?.line);
    }
  });
});
