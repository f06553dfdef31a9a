// A delivery's identity is the SHA-256 of its files: hashed in worker
// threads for a big delivery, it must be the very digest of each file, in
// the order given, and a file that cannot be read must fail the hash.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFiles } from '../../src/sources/hash-files.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-hash-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('hashing a delivery’s files', () => {
  it('gives each file its own digest, in order, in this thread and in workers alike', async () => {
    // Sizes that put files out of order between the two workers (biggest first), one empty, one over a read buffer.
    const sizes = [10, 5_000_000, 0, 3, 4_200_000, 70];
    const files = await Promise.all(
      sizes.map(async (size, i) => {
        const path = join(dir, `f${i}.ndjson`);
        await writeFile(path, Buffer.alloc(size, 97 + i));
        return { path, sizeBytes: size };
      }),
    );
    const expected = files.map((f) => sha(f.path));
    expect(new Set(expected).size).toBe(files.length);
    expect(await hashFiles(files)).toEqual(expected);
    expect(await hashFiles(files, { workerBytes: 1 })).toEqual(expected);
  });

  it('fails when a file cannot be read, in workers too', async () => {
    const files = [
      { path: join(dir, 'present.ndjson'), sizeBytes: 4 },
      { path: join(dir, 'gone.ndjson'), sizeBytes: 4 },
    ];
    await writeFile(files[0]!.path, 'abcd');
    await expect(hashFiles(files, { workerBytes: 1 })).rejects.toThrow(/ENOENT/);
    await expect(hashFiles(files)).rejects.toThrow(/ENOENT/);
  });
});
