// The scanner must agree with DuckDB's reader on where records are, or the
// ingest could not account for every record; and it must find the records
// DuckDB's reader mishandles (too long, extra empty fields, a stray CR), which
// the ingest sets aside in a repaired copy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_SCAN, needsRepair, repairRecords } from '../../src/ingest/quoting-repair.ts';
import { RecordScanner, type ScanOptions, scanFile } from '../../src/ingest/record-scanner.ts';
import { readCsvSql, REJECTS_SCAN_TABLE, REJECTS_TABLE } from '../../src/ingest/staging-sql.ts';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'refloop-scan-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

function scanBytes(text: string | Buffer, chunkSize = Infinity, options: ScanOptions = {}) {
  const bytes = Buffer.from(text);
  const scanner = new RecordScanner(undefined, options);
  for (let i = 0; i < bytes.length; i += chunkSize === Infinity ? bytes.length : chunkSize) {
    scanner.push(bytes.subarray(i, i + (chunkSize === Infinity ? bytes.length : chunkSize)));
  }
  return scanner.finish();
}

describe('record scanner', () => {
  it('maps a record that spans lines to the line it starts on', () => {
    const scan = scanBytes('id,a\n1,"two\nlines"\n2,b\n');
    expect(scan.records).toBe(2);
    expect([...scan.physicalLines]).toEqual([1, 2, 4]);
    expect([...scan.readerLines]).toEqual([1, 2, 3]);
  });

  it('skips blank lines but counts them as lines', () => {
    const scan = scanBytes('id,a\r\n1,x\r\n\r\n\r\n2,y');
    expect(scan.records).toBe(2);
    expect([...scan.physicalLines]).toEqual([1, 2, 5]);
  });

  it('treats a quote inside an unquoted field as a literal', () => {
    expect(scanBytes('id,a\n1,ab"c\n2,d\n').records).toBe(2);
  });

  it('reports a quote left open at the end of the file and where it opened', () => {
    const scan = scanBytes('id,a\n1,x\n2,"open\n3,y\n4,z\n');
    expect(scan.records).toBe(1);
    expect(scan.openQuote).toEqual({ byteOffset: 9, line: 3 });
  });

  it('keeps the header without its BOM-free line end, even split across chunks', () => {
    const scan = scanBytes('\uFEFFid,"a,b"\r\n1,2\r\n', 3);
    expect(scan.header.toString()).toBe('\uFEFFid,"a,b"');
    expect(scan.records).toBe(1);
  });

  it('gives the same answer whatever the chunk size', () => {
    const text = 'id,a,b\r\n1,"x\r\ny",z\n\n2,"q""q",r\r3,s,t\n4,"u\n';
    const whole = scanBytes(text);
    for (const size of [1, 2, 3, 5, 7]) {
      const chunked = scanBytes(text, size);
      expect({ ...chunked, sha256: '' }).toEqual({ ...whole, sha256: '' });
    }
  });

  it('agrees with DuckDB on the records and reject lines of random soup with well-formed quoting', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieceSet = (nl: string) => ['a', 'b', ',', ',', '"', '""', nl, nl, `${nl}${nl}`, 'x y'];
    try {
      let compared = 0;
      for (let trial = 0; trial < 400; trial++) {
        const nl = trial % 2 ? '\r\n' : '\n';
        const pieces = pieceSet(nl);
        let body = `c0,c1,c2${nl}`;
        for (let i = 0; i < 30; i++) body += pieces[Math.floor(random() * pieces.length)];
        body += nl;
        const scan = scanBytes(body);
        // Broken quoting never reaches DuckDB (the quoting repair sets it aside).
        if (scan.openQuote || scan.malformed.length > 0) continue;
        const path = join(dir, `soup-${trial}.csv`);
        await writeFile(path, body);
        await connection.run('DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans;');
        const accepted = await connection.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM read_csv('${path}', columns={'c0':'VARCHAR','c1':'VARCHAR','c2':'VARCHAR'}, header=true, auto_detect=false, delim=',', quote='"', escape='"', strict_mode=true, store_rejects=true)`,
        );
        const rejects = await connection.runAndReadAll('SELECT DISTINCT line::INTEGER AS line FROM reject_errors ORDER BY line');
        const rejectLines = rejects.getRowObjectsJson().map((r) => Number(r.line));
        const acceptedCount = Number(accepted.getRowObjectsJson()[0]!.n);
        expect(acceptedCount + rejectLines.length, JSON.stringify(body)).toBe(scan.records);
        for (const line of rejectLines) expect([...scan.readerLines].slice(1), body).toContain(line);
        compared++;
      }
      expect(compared).toBeGreaterThan(100);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('notices a file that switches line-end style, which DuckDB cannot read', () => {
    expect(scanBytes('id,a\r\n1,"x\ny"\r\n2,z\r\n').mixedLineEnds).toBeUndefined();
    expect(scanBytes('id,a\n1,x\r\n2,z\n').mixedLineEnds).toEqual({ line: 2, first: 'LF', then: 'CRLF' });
    expect(scanBytes('id,a\r\n1,x\r\n2,z\n', 1).mixedLineEnds).toEqual({ line: 3, first: 'CRLF', then: 'LF' });
  });

  it('reads .csv.gz files and hashes the decompressed bytes', async () => {
    const { gzipSync } = await import('node:zlib');
    await writeFile(join(dir, 'plain.csv'), 'id\n1\n2\n');
    await writeFile(join(dir, 'packed.csv.gz'), gzipSync('id\n1\n2\n'));
    const plain = await scanFile(join(dir, 'plain.csv'));
    const packed = await scanFile(join(dir, 'packed.csv.gz'));
    expect(packed.records).toBe(2);
    expect(packed.sha256).toBe(plain.sha256);
  });
});

/** What DuckDB's reader, with the ingest's options, does with a file: records accepted and rejected, or its error. */
async function duckdbReads(connection: DuckDBConnection, path: string, fieldCount: number): Promise<{ accepted: number; rejected: number } | { error: string }> {
  await connection.run(`DROP TABLE IF EXISTS temp.${REJECTS_TABLE}; DROP TABLE IF EXISTS temp.${REJECTS_SCAN_TABLE};`);
  try {
    // Counted over a field, as the staging reads them: a bare count(*) reads no
    // field, and DuckDB 1.5.6 then now and again (2 in 1,000 reads) accepts a
    // record with too many fields that follows one with too few.
    const accepted = await connection.runAndReadAll(`SELECT count(coalesce(f0, ''))::INTEGER AS n FROM ${readCsvSql([path], fieldCount, { delimiter: ',', gzip: false })}`);
    const rejected = await connection.runAndReadAll(`SELECT count(DISTINCT line)::INTEGER AS n FROM temp.${REJECTS_TABLE}`);
    return { accepted: Number(accepted.getRowObjectsJson()[0]!.n), rejected: Number(rejected.getRowObjectsJson()[0]!.n) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0]! };
  }
}

describe('records the ingest sets aside before DuckDB reads the file', () => {
  const setAside = (text: string, chunkSize = Infinity, options: ScanOptions = {}) =>
    scanBytes(text, chunkSize, options).setAside.map(({ record, start, end, problem }) => ({ record, start, end, problem }));

  it('sets aside a record longer than the limit, counting its bytes without the line end, whatever the chunk size', () => {
    // Records start at bytes 5, 16, 28, 41 and 52.
    const text = 'id,a\n12345,7890\n12345,78901\n1,"a\nbcdefg"\n1,"abcdef"\n123456,8901';
    const expected = [
      { record: 2, start: 16, end: 28, problem: 'too_long' }, // 11 bytes
      { record: 3, start: 28, end: 41, problem: 'too_long' }, // 12 bytes over two lines
      { record: 5, start: 52, end: 63, problem: 'too_long' }, // 11 bytes, no line end
    ];
    for (const size of [Infinity, 1, 2, 3, 5, 7]) expect(setAside(text, size, { maxRecordBytes: 10 }), `chunks of ${size}`).toEqual(expected);
    // Exactly the limit is not set aside: '1,"abcdef"' and '12345,7890' are 10 bytes.
    expect(scanBytes(text, Infinity, { maxRecordBytes: 10 }).records).toBe(5);
  });

  it('with strayCR, keeps a lone CR outside quotes inside its record in an LF or CRLF file, and still counts the line it ends', () => {
    const lf = scanBytes('id,a\n1,x\ry\n2,z\n', Infinity, INGEST_SCAN);
    expect({ records: lf.records, lines: [...lf.physicalLines], mixed: lf.mixedLineEnds }).toEqual({ records: 2, lines: [1, 2, 4], mixed: undefined });
    expect(lf.setAside).toEqual([{ record: 1, start: 5, end: 11, problem: 'stray_cr', field: 1 }]);

    const crlf = scanBytes('id,a\r\n1,x\ry\r\n2,z\r\n', Infinity, INGEST_SCAN);
    expect([...crlf.physicalLines]).toEqual([1, 2, 4]);
    expect(crlf.setAside).toEqual([{ record: 1, start: 6, end: 13, problem: 'stray_cr', field: 1 }]);

    // At the end of the file, and at the start of a record.
    expect(setAside('id,a\n1,x\r', Infinity, INGEST_SCAN)).toEqual([{ record: 1, start: 5, end: 9, problem: 'stray_cr' }]);
    expect(setAside('id,a\n\r1,x\n2,y\n', Infinity, INGEST_SCAN)).toEqual([{ record: 1, start: 5, end: 10, problem: 'stray_cr' }]);
    // Inside quotes a lone CR is part of the value.
    expect(setAside('id,a\n1,"x\ry"\n', Infinity, INGEST_SCAN)).toEqual([]);
  });

  it('with strayCR, reads a file whose first line ends with a lone CR as a file of CR lines', () => {
    const scan = scanBytes('id,a\r1,x\r2,y\r', Infinity, INGEST_SCAN);
    expect({ records: scan.records, lineEnd: scan.lineEnd, setAside: scan.setAside, mixed: scan.mixedLineEnds }).toEqual({ records: 2, lineEnd: 'CR', setAside: [], mixed: undefined });
    // A CR before an LF is a CRLF line end, which an LF file does not mix in.
    expect(scanBytes('id,a\n1,x\r\n', Infinity, INGEST_SCAN).mixedLineEnds).toEqual({ line: 2, first: 'LF', then: 'CRLF' });
  });

  it('without strayCR, ends a record at a lone CR, as the NPPES reader expects', () => {
    expect(scanBytes('id,a\n1,x\ry\n').mixedLineEnds).toEqual({ line: 2, first: 'LF', then: 'CR' });
  });

  it('gives the same answer whatever the chunk size, with strayCR', () => {
    const text = 'id,a,b\n1,"x\ry",z\n2,a\rb,c\n\r3,d,e\n4,f,g,,\n5,"h",\n6,i,j\r';
    const whole = scanBytes(text, Infinity, INGEST_SCAN);
    expect(whole.setAside.map((s) => [s.record, s.problem])).toEqual([
      [2, 'stray_cr'],
      [3, 'stray_cr'],
      [4, 'extra_empty_fields'],
      [6, 'stray_cr'],
    ]);
    for (const size of [1, 2, 3, 5, 7]) expect({ ...scanBytes(text, size, INGEST_SCAN), sha256: '' }).toEqual({ ...whole, sha256: '' });
  });

  it('counts the fields of long lines exactly, wherever they fall in memory', () => {
    let seed = 5;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const header = Array.from({ length: 30 }, (_, i) => `c${i}`).join(',');
    for (let trial = 0; trial < 200; trial++) {
      const lines: string[] = [];
      const expected: number[] = [];
      for (let record = 1; record <= 20; record++) {
        const fields = 28 + Math.floor(random() * 5); // 28 … 32 against the header's 30
        const values = Array.from({ length: fields }, () => (random() < 0.4 ? '' : 'v'.repeat(1 + Math.floor(random() * 6))));
        lines.push(values.join(','));
        if (fields > 30 && values.slice(30).every((v) => v === '')) expected.push(record);
      }
      // A prefix of random length moves every line to another offset within its 32-bit words.
      const text = `${header}\n${lines.join('\n')}\n`;
      const bytes = Buffer.concat([Buffer.alloc(Math.floor(random() * 4)), Buffer.from(text)]);
      const scanner = new RecordScanner();
      scanner.push(bytes.subarray(bytes.length - Buffer.byteLength(text)));
      expect(scanner.finish().setAside.map((s) => s.record), text).toEqual(expected);
      expect(scanBytes(text, 13).setAside.map((s) => s.record), text).toEqual(expected);
    }
  });

  it('sets aside exactly the records with more fields than the header that DuckDB would load', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const rows = ['1,2,3,', '1,2,3,,', '1,2,3,""', '"1",2,3,', '1,2,3,"",', '1,2,3, ', '1,2,3,x,', '1,2,3,,x', '1,2,3,"x"', '1,2,', '1,2', '1,2,3', '1,"2,3",'];
    try {
      for (const row of rows) {
        for (const nl of ['\n', '\r\n']) {
          const text = `a,b,c${nl}${row}${nl}`;
          const path = join(dir, 'fields.csv');
          await writeFile(path, text);
          const read = await duckdbReads(connection, path, 3);
          const fields = (parse(row, { relax_column_count: true }) as string[][])[0]!.length;
          const loadsWithExtraFields = 'accepted' in read && read.accepted === 1 && fields > 3;
          expect(setAside(text).length === 1, JSON.stringify(text)).toBe(loadsWithExtraFields);
          expect(fields > 3 && !loadsWithExtraFields ? read : 'n/a', JSON.stringify(text)).toEqual(fields > 3 && !loadsWithExtraFields ? { accepted: 0, rejected: 1 } : 'n/a');
        }
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('leaves DuckDB, after the repair, only records with the header\'s field count to accept, on random soup', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let repaired = 0;
    try {
      for (let trial = 0; trial < 300; trial++) {
        const nl = trial % 2 ? '\r\n' : '\n';
        const pieces = ['a', 'b', ',', ',', ',,', '"', '""', nl, nl, '\r', 'x y'];
        let body = `c0,c1,c2${nl}`;
        for (let i = 0; i < 30; i++) body += pieces[Math.floor(random() * pieces.length)];
        body += nl;
        const path = join(dir, `faults-${trial}.csv`);
        await writeFile(path, body);
        const scan = await scanFile(path, undefined, ',', INGEST_SCAN);
        if (scan.mixedLineEnds) continue; // refused whole, never read
        let readPath = path;
        let quarantined = 0;
        let cleanup = async () => {};
        if (needsRepair(scan)) {
          const repair = await repairRecords(path, scan, dir, { delimiter: ',', fieldNames: ['c0', 'c1', 'c2'] });
          readPath = repair.path;
          quarantined = repair.quarantined.length;
          cleanup = repair.cleanup;
          repaired++;
        }
        try {
          const copy = await scanFile(readPath, undefined, ',', INGEST_SCAN);
          const read = await duckdbReads(connection, readPath, 3);
          expect(read, JSON.stringify(body)).toHaveProperty('accepted');
          if (!('accepted' in read)) continue;
          // Every record read is loaded or quarantined.
          expect(read.accepted + read.rejected, JSON.stringify(body)).toBe(copy.records);
          if (readPath === path) expect(quarantined).toBe(0);
          const { readFile } = await import('node:fs/promises');
          const records = parse(await readFile(readPath, 'utf8'), { relax_quotes: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: nl }) as string[][];
          expect(read.accepted, JSON.stringify(body)).toBe(records.slice(1).filter((r) => r.length === 3).length);
        } finally {
          await cleanup();
        }
      }
      expect(repaired).toBeGreaterThan(50);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
