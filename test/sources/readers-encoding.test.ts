// Encodings refloop decodes in Node because DuckDB cannot (PITFALLS.md): the
// UTF-8 copy must hold the exact text and keep every line where it was.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectEncoding, transcodeToUtf8 } from '../../src/sources/readers/encoding.ts';
import { exists, lineEnds, makeTempDir, modeOf, sha256 } from './readers-helpers.ts';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => (tmp = await makeTempDir('encoding')));
afterAll(() => tmp.remove());

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return be;
}

async function transcode(raw: Buffer, encoding: Parameters<typeof transcodeToUtf8>[2], options = {}, name = 'in.csv') {
  const src = await tmp.file(name, raw);
  const dst = tmp.path('out.csv');
  const digest = await transcodeToUtf8(src, dst, encoding, options);
  return { digest, text: await readFile(dst, 'utf8'), dst };
}

describe('Windows-1252 and Latin-1', () => {
  const raw = bytes('referral_id,referring_name\r\n1,O', [0x92], 'Brien\r\n2,Ren', [0xe9], 'e Dubois\r\n');

  it('decodes 0x92 as a curly apostrophe and é, line for line', async () => {
    const { text, digest, dst } = await transcode(raw, 'windows-1252');
    expect(text).toBe('referral_id,referring_name\r\n1,O\u2019Brien\r\n2,Ren\u00e9e Dubois\r\n');
    expect(lineEnds(text)).toBe(lineEnds(raw.toString('latin1')));
    expect(digest).toEqual({ sha256: sha256(raw), bytes: raw.length });
    expect(await modeOf(dst)).toBe(0o600);
  });

  it('reads a Windows-1252 file as not UTF-8', async () => {
    expect(await detectEncoding(await tmp.file('cp1252.csv', raw))).toBe('invalid-utf-8');
  });

  it('differs from Latin-1 exactly on 0x80–0x9F', async () => {
    const all = Buffer.from(Array.from({ length: 0x100 - 0x20 }, (_, i) => i + 0x20));
    const latin1 = (await transcode(all, 'latin-1')).text;
    const cp1252 = (await transcode(all, 'windows-1252')).text;
    // ISO-8859-1 is byte n → U+00nn, C1 controls included.
    expect([...latin1].map((c) => c.codePointAt(0))).toEqual([...all]);
    const at = (text: string, byte: number) => text.codePointAt(byte - 0x20);
    expect(at(cp1252, 0x80)).toBe(0x20ac); // €
    expect(at(cp1252, 0x92)).toBe(0x2019); // ’
    expect(at(cp1252, 0x9f)).toBe(0x0178); // Ÿ
    expect(at(latin1, 0x92)).toBe(0x92);
    const differing = [...all].filter((b) => at(latin1, b) !== at(cp1252, b));
    // 0x81, 0x8D, 0x8F, 0x90 and 0x9D are unassigned in Windows-1252 and decode as the C1 control, as in Latin-1.
    expect(differing).toEqual(Array.from({ length: 32 }, (_, i) => 0x80 + i).filter((b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b)));
  });
});

describe('UTF-16', () => {
  const text = 'referral_id,referring_name\n1,Zoë Ångström ✓\r\n2,李\n';
  const cases = [
    { name: 'little-endian with a BOM', raw: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), encoding: 'utf-16le' },
    { name: 'little-endian without a BOM', raw: Buffer.from(text, 'utf16le'), encoding: 'utf-16le' },
    { name: 'big-endian with a BOM', raw: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), encoding: 'utf-16be' },
    { name: 'big-endian without a BOM', raw: utf16be(text), encoding: 'utf-16be' },
  ] as const;

  for (const { name, raw, encoding } of cases) {
    it(`detects and decodes ${name}`, async () => {
      const src = await tmp.file('u16.csv', raw);
      expect(await detectEncoding(src)).toBe(encoding);
      const { text: decoded } = await transcode(raw, encoding, { chunkSize: 3 }); // odd chunks split code units
      expect(decoded).toBe(text);
      expect(lineEnds(decoded)).toBe(3);
    });
  }

  it('does not take UTF-8 text for UTF-16', async () => {
    expect(await detectEncoding(await tmp.file('u8.csv', Buffer.from(text, 'utf8')))).toBe('utf-8');
    expect(await detectEncoding(await tmp.file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])))).toBe('utf-8-bom');
  });
});

describe('bytes that are not UTF-8', () => {
  const raw = bytes('referral_id,referring_name\n1,Ana\n2,B', [0xff], 'b\n3,Jos', [0xc3, 0xa9], '\n');

  it('become U+FFFD where they stand, lines unchanged', async () => {
    const { text } = await transcode(raw, 'utf-8');
    expect(text).toBe('referral_id,referring_name\n1,Ana\n2,B\ufffdb\n3,José\n');
    expect(lineEnds(text)).toBe(4);
  });

  it('a sequence cut off by a line end at a chunk boundary leaves the line end in place', async () => {
    // 0xC3 needs a continuation byte; the LF after it is not one. Chunks of 8 put the cut at the boundary.
    const cut = bytes('id,name\n', [0x31, 0x2c, 0x4a, 0x6f, 0x73, 0x63, 0x64, 0xc3], '\n2,Bo\n');
    expect(cut.indexOf(0xc3)).toBe(15);
    const { text } = await transcode(cut, 'utf-8', { chunkSize: 8 });
    expect(text).toBe('id,name\n1,Joscd\ufffd\n2,Bo\n');
    expect(lineEnds(text)).toBe(3);
    expect(await detectEncoding(await tmp.file('cut.csv', cut), { chunkSize: 8 })).toBe('invalid-utf-8');
  });

  it('a valid multi-byte character split across chunks stays one character', async () => {
    const valid = Buffer.from('id,name\n1,José ✓ 李 🙂\n', 'utf8');
    for (const chunkSize of [1, 2, 3, 5]) {
      expect((await transcode(valid, 'utf-8', { chunkSize })).text).toBe('id,name\n1,José ✓ 李 🙂\n');
      expect(await detectEncoding(await tmp.file('split.csv', valid), { chunkSize })).toBe('utf-8');
    }
  });

  it('is found past the start of the file and in a truncated last character', async () => {
    const late = Buffer.concat([Buffer.from(`id,name\n${'1,Ana\n'.repeat(2000)}2,B`), Buffer.from([0x80]), Buffer.from('\n')]);
    expect(await detectEncoding(await tmp.file('late.csv', late))).toBe('invalid-utf-8');
    const truncated = Buffer.concat([Buffer.from('id,name\n1,'), Buffer.from([0xe2, 0x9c])]);
    expect(await detectEncoding(await tmp.file('trunc.csv', truncated))).toBe('invalid-utf-8');
    expect(await detectEncoding(await tmp.file('ok.csv', Buffer.from('id,name\n1,✓')))).toBe('utf-8');
  });

  it('after a UTF-8 BOM still count as invalid', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), raw]);
    expect(await detectEncoding(await tmp.file('bom-bad.csv', withBom))).toBe('invalid-utf-8');
    expect((await transcode(withBom, 'utf-8')).text.startsWith('referral_id')).toBe(true); // BOM dropped
  });
});

describe('gzip input', () => {
  const raw = bytes('id,name\n1,O', [0x92], 'Neil\n');

  it('is decompressed, and hashed by its decompressed bytes', async () => {
    for (const name of ['in.csv.gz', 'IN.CSV.GZ']) {
      const { text, digest } = await transcode(gzipSync(raw), 'windows-1252', {}, name);
      expect(text).toBe('id,name\n1,O\u2019Neil\n');
      expect(digest).toEqual({ sha256: sha256(raw), bytes: raw.length });
    }
    expect(await detectEncoding(await tmp.file('u16.csv.gz', gzipSync(Buffer.from('id,name\n1,x\n', 'utf16le'))))).toBe('utf-16le');
  });

  it('that is truncated fails and leaves no partial copy', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${((i * 2654435761) >>> 0).toString(36)}\n`);
    const gz = gzipSync(Buffer.from(`id,name\n${rows.join('')}`));
    const src = await tmp.file('cut.csv.gz', gz.subarray(0, gz.length >> 1));
    const dst = tmp.path('out.csv');
    await expect(transcodeToUtf8(src, dst, 'utf-8', { chunkSize: 256 })).rejects.toThrow();
    expect(await exists(dst)).toBe(false);
  });
});

describe('the copy', () => {
  it('is never written over an existing file', async () => {
    const src = await tmp.file('in.csv', 'id\n1\n');
    const dst = await tmp.file('taken.csv', 'someone else\n');
    await expect(transcodeToUtf8(src, dst, 'utf-8')).rejects.toThrow(/EEXIST/);
    expect(await readFile(dst, 'utf8')).toBe('someone else\n');
  });

  it('is not left behind when the source cannot be read', async () => {
    const dst = tmp.path('out.csv');
    await expect(transcodeToUtf8(`${tmp.dir}/missing.csv.gz`, dst, 'utf-8')).rejects.toThrow(/ENOENT/);
    expect(await exists(dst)).toBe(false);
  });
});
