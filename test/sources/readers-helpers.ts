// Shared by the readers' tests: a private temp folder, file modes, and an
// independent CSV parser to read what the readers wrote.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

export async function makeTempDir(label: string) {
  const dir = await mkdtemp(join(tmpdir(), `refloop-${label}-`));
  let n = 0;
  return {
    dir,
    /** A fresh path in the folder (the readers refuse to write over a file). */
    path: (name: string) => join(dir, `${++n}-${name}`),
    /** Writes bytes to a fresh path and returns it. */
    file: async (name: string, bytes: Buffer | string) => {
      const path = join(dir, `${++n}-${name}`);
      await writeFile(path, bytes);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Physical lines as the ingest counts them: LF, CRLF and a lone CR each end one. */
export const lineEnds = (text: string) => text.match(/\r\n|\r|\n/g)?.length ?? 0;

/** The rows of a CSV the readers wrote, read by csv-parse (not by the code under test). */
export async function readCsv(path: string): Promise<string[][]> {
  const text = await readFile(path, 'utf8');
  return parse(text, { relax_column_count: false }) as string[][];
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a zip with its entries in the order given (deflated, no data
 * descriptors), for workbooks whose parts come in an order other writers use.
 */
export async function writeZip(path: string, entries: [name: string, content: string][]): Promise<void> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = Buffer.from(content, 'utf8');
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await writeFile(path, Buffer.concat([...locals, directory, end]));
}
