// The scanner must agree with DuckDB's reader on where records are, or the
// ingest could not account for every record.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordScanner, scanFile } from '../../src/ingest/record-scanner.ts';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'refloop-scan-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

function scanBytes(text: string | Buffer, chunkSize = Infinity) {
  const bytes = Buffer.from(text);
  const scanner = new RecordScanner();
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
