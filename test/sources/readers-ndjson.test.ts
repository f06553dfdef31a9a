// NDJSON to CSV: one record per JSON object line, nested keys flattened to
// columns, bad lines quarantined by line without their text.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjsonToCsv } from '../../src/sources/readers/ndjson.ts';
import { exists, makeTempDir, modeOf, readCsv, sha256 } from './readers-helpers.ts';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => (tmp = await makeTempDir('ndjson')));
afterAll(() => tmp.remove());

async function convert(raw: string | Buffer, name = 'in.ndjson', chunkSize?: number) {
  const src = await tmp.file(name, raw);
  const dst = tmp.path('out.csv');
  const result = await ndjsonToCsv(src, dst, chunkSize === undefined ? {} : { chunkSize });
  return { result, rows: await readCsv(dst), dst };
}

describe('ndjsonToCsv', () => {
  it('flattens nested objects with dots, scalar arrays with ; and object arrays by index', async () => {
    const line = JSON.stringify({
      id: 'p1',
      address: [{ postalCode: '02139', line: ['1 Main St', 'Apt 2'] }],
      name: [{ family: 'Doe', given: ['Jane', 'Q'] }, { family: 'Roe' }],
      meta: { source: { system: 'ehr' } },
      tags: ['a', null, 'b'],
      active: true,
      extension: [],
      note: null,
      empty: {},
    });
    const { rows, result, dst } = await convert(`${line}\n`);
    expect(rows).toEqual([
      ['id', 'address.0.postalCode', 'address.0.line', 'name.0.family', 'name.0.given', 'name.1.family', 'meta.source.system', 'tags', 'active', 'extension', 'note', '__origin_line'],
      ['p1', '02139', '1 Main St;Apt 2', 'Doe', 'Jane;Q', 'Roe', 'ehr', 'a;;b', 'true', '', '', '1'],
    ]);
    expect(result.records).toBe(1);
    expect(await modeOf(dst)).toBe(0o600);
  });

  it('makes the header the union of keys in first-seen order', async () => {
    const raw = '{"a":1,"b":{"x":2}}\r\n{"b":{"y":3},"c":"z"}\r\n{"c":"w","a":4}\r\n';
    const { rows } = await convert(raw);
    expect(rows).toEqual([
      ['a', 'b.x', 'b.y', 'c', '__origin_line'],
      ['1', '2', '', '', '1'],
      ['', '', '3', 'z', '2'],
      ['4', '', '', 'w', '3'],
    ]);
  });

  it('keeps keys in the order written, numeric-looking ones too', async () => {
    // JSON.parse would put "2" before "b".
    const { rows } = await convert('{"b":1,"2":"two"}\n');
    expect(rows[0]).toEqual(['b', '2', '__origin_line']);
  });

  it('keeps large numbers exactly as written and expands exponents', async () => {
    const { rows } = await convert('{"id":12345678901234567890,"amount":1.50,"big":1E+3,"small":-2.5e-4}\n');
    expect(rows[1]).toEqual(['12345678901234567890', '1.50', '1000', '-0.00025', '1']);
  });

  it('quarantines lines that are not JSON objects, by line and without their text', async () => {
    const raw = ['{"id":"r1"}', '', '   ', '{"id": "r-secret",', '["r2"]', '"r3"', '42', 'null', '{"id":"r4"}', '{"id":"r5","__origin_line":1}'].join('\n');
    const { rows, result } = await convert(raw);
    expect(rows).toEqual([
      ['id', '__origin_line'],
      ['r1', '1'],
      ['r4', '9'],
    ]);
    expect(result.quarantined.map((q) => q.line)).toEqual([4, 5, 6, 7, 8, 10]);
    expect(result.quarantined[0]!.reason).toMatch(/^is not valid JSON/);
    expect(result.quarantined.slice(1, 5).map((q) => q.reason)).toEqual([
      'is a JSON array, not a JSON object',
      'is a JSON string, not a JSON object',
      'is a JSON number, not a JSON object',
      'is JSON null, not a JSON object',
    ]);
    for (const { reason } of result.quarantined) expect(reason).not.toMatch(/r-secret|r2|r3|r5/);
    expect(result.records + result.quarantined.length).toBe(8);
  });

  it('counts blank lines as lines and reads the same in any chunk size', async () => {
    const raw = '\n{"name":"Zoë ✓","city":"Köln"}\n\n\n{"name":"李"}';
    const whole = await convert(raw);
    expect(whole.rows.slice(1)).toEqual([
      ['Zoë ✓', 'Köln', '2'],
      ['李', '', '5'],
    ]);
    for (const chunkSize of [1, 2, 5]) expect((await convert(raw, 'in.ndjson', chunkSize)).rows).toEqual(whole.rows);
  });

  it('reads gzip and hashes the decompressed bytes', async () => {
    const raw = Buffer.from('{"id":"a"}\n{"id":"b"}\n');
    const { rows, result } = await convert(gzipSync(raw), 'Patient.ndjson.gz');
    expect(rows.slice(1)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(result).toMatchObject({ sha256: sha256(raw), bytes: raw.length, header: ['id'] });
  });

  it('writes the origin column alone for a file with no object', async () => {
    const { rows, result } = await convert('\n[1]\n');
    expect(rows).toEqual([['__origin_line']]);
    expect(result.quarantined).toEqual([{ line: 2, reason: 'is a JSON array, not a JSON object' }]);
  });

  it('leaves no file behind when the source is missing', async () => {
    const dst = tmp.path('out.csv');
    await expect(ndjsonToCsv(`${tmp.dir}/missing.ndjson`, dst)).rejects.toThrow(/ENOENT/);
    expect(await exists(dst)).toBe(false);
  });
});

const SYNTHEA = fileURLToPath(new URL('../../../shared/reference/real/synthea-bulk-fhir', import.meta.url));

describe.skipIf(!existsSync(SYNTHEA))('Synthea bulk FHIR export (skipped: shared/reference/real/synthea-bulk-fhir is absent beside the checkout)', () => {
  it.each(['Patient.000.ndjson', 'Encounter.000.ndjson'])('converts %s with every resource on its own line', async (name) => {
    const src = join(SYNTHEA, name);
    const dst = tmp.path('out.csv');
    const result = await ndjsonToCsv(src, dst);
    const lines = (await readFile(src, 'utf8')).split('\n');
    const resources = lines.map((line, i) => ({ line: i + 1, text: line })).filter((l) => l.text.trim() !== '');
    expect(result.quarantined).toEqual([]);
    expect(result.records).toBe(resources.length);
    const rows = await readCsv(dst);
    const header = rows[0]!;
    const column = (key: string) => header.indexOf(key);
    expect(header.slice(0, 2)).toEqual(['resourceType', 'id']);
    for (const [i, { line, text }] of resources.entries()) {
      const resource = JSON.parse(text);
      expect(rows[i + 1]![column('id')]).toBe(resource.id);
      expect(rows[i + 1]![column('__origin_line')]).toBe(String(line));
      if (name.startsWith('Patient')) expect(rows[i + 1]![column('address.0.postalCode')]).toBe(resource.address?.[0]?.postalCode ?? '');
    }
  });
});
