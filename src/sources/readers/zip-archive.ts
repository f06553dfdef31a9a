// A zip file read through its central directory, so any entry can be read in
// any order (an .xlsx stores its sheets before or after the parts needed to
// read them, depending on the writer) and streamed without holding it.
// Deflate and stored entries; ZIP64 sizes and offsets; each entry's CRC-32
// and length are checked as it is read.
import { type FileHandle, open } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const OLE_SIGNATURE = 0xe011cfd0; // D0 CF 11 E0 read little-endian: .xls, or an encrypted .xlsx
const MAX_COMMENT = 0xffff;

export class ZipError extends Error {}

export class ZipArchive {
  private constructor(
    private readonly handle: FileHandle,
    private readonly file: string,
    /** By lower-case name: OPC part names are case-insensitive. */
    private readonly entries: Map<string, ZipEntry>,
  ) {}

  static async open(path: string): Promise<ZipArchive> {
    const file = basename(path);
    const handle = await open(path, 'r');
    try {
      const entries = await readCentralDirectory(handle, file);
      return new ZipArchive(handle, file, new Map(entries.map((e) => [e.name.toLowerCase(), e])));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** The entry's bytes, decompressed, in chunks. */
  async *read(name: string): AsyncGenerator<Buffer> {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry) throw new ZipError(`${this.file}: has no part ${name}`);
    if (entry.flags & 1) throw new ZipError(`${this.file}: part ${name} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) throw new ZipError(`${this.file}: part ${name} uses compression method ${entry.method}, which refloop does not read`);
    const local = await readAt(this.handle, entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_HEADER) throw new ZipError(`${this.file}: damaged (part ${name} is not where the directory says)`);
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    let crc = 0;
    let length = 0;
    if (entry.compressedSize > 0) {
      // Not handle.createReadStream: destroying one closes the handle (Node 20), and the archive reads on.
      const raw = Readable.from(readRange(this.handle, dataStart, entry.compressedSize));
      const source: Readable = entry.method === 8 ? pipeline(raw, createInflateRaw(), () => undefined) : raw;
      try {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          crc = crc32(chunk, crc);
          length += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw new ZipError(`${this.file}: damaged (part ${name}: ${(error as Error).message})`, { cause: error });
      } finally {
        source.destroy();
        raw.destroy();
      }
    }
    if (length !== entry.size || crc !== entry.crc32) throw new ZipError(`${this.file}: damaged (part ${name} fails its checksum)`);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

const RANGE_CHUNK = 1 << 16;

/** `length` bytes from `start`, in chunks, by positioned reads (which leave the handle as it is). */
async function* readRange(handle: FileHandle, start: number, length: number): AsyncGenerator<Buffer> {
  for (let done = 0; done < length; ) {
    const chunk = await readAt(handle, start + done, Math.min(RANGE_CHUNK, length - done));
    if (chunk.length === 0) throw new Error('the file ends inside the part');
    done += chunk.length;
    yield chunk;
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

async function readCentralDirectory(handle: FileHandle, file: string): Promise<ZipEntry[]> {
  const { size } = await handle.stat();
  const start = await readAt(handle, 0, 4);
  if (start.length === 4 && start.readUInt32LE(0) === OLE_SIGNATURE) {
    throw new ZipError(`${file}: an Excel 97-2003 .xls or a password-protected workbook; save it from Excel as .xlsx without a password`);
  }
  const tailLength = Math.min(size, MAX_COMMENT + 22);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      at = i;
      break;
    }
  }
  if (at === -1) throw new ZipError(`${file}: not an .xlsx workbook (it is not a zip file)`);
  let count = tail.readUInt16LE(at + 10);
  let directorySize = tail.readUInt32LE(at + 12);
  let directoryOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locatorAt = size - tailLength + at - 20;
    const locator = locatorAt >= 0 ? await readAt(handle, locatorAt, 20) : Buffer.alloc(0);
    if (locator.length < 20 || locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipError(`${file}: damaged (no ZIP64 directory locator)`);
    const zip64 = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56);
    if (zip64.length < 56 || zip64.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipError(`${file}: damaged (no ZIP64 directory)`);
    count = Number(zip64.readBigUInt64LE(32));
    directorySize = Number(zip64.readBigUInt64LE(40));
    directoryOffset = Number(zip64.readBigUInt64LE(48));
  }
  if (directoryOffset + directorySize > size) throw new ZipError(`${file}: damaged (the zip directory runs past the end of the file)`);
  const directory = await readAt(handle, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 46 > directory.length || directory.readUInt32LE(pos) !== CENTRAL_HEADER) throw new ZipError(`${file}: damaged (bad zip directory entry ${i + 1})`);
    const nameLength = directory.readUInt16LE(pos + 28);
    const extraLength = directory.readUInt16LE(pos + 30);
    const commentLength = directory.readUInt16LE(pos + 32);
    const entry: ZipEntry = {
      name: directory.toString('utf8', pos + 46, pos + 46 + nameLength),
      flags: directory.readUInt16LE(pos + 8),
      method: directory.readUInt16LE(pos + 10),
      crc32: directory.readUInt32LE(pos + 16),
      compressedSize: directory.readUInt32LE(pos + 20),
      size: directory.readUInt32LE(pos + 24),
      localHeaderOffset: directory.readUInt32LE(pos + 42),
    };
    readZip64Extra(directory.subarray(pos + 46 + nameLength, pos + 46 + nameLength + extraLength), entry);
    entries.push(entry);
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** ZIP64 extended information (header 0x0001): the 64-bit values of the fields set to 0xFFFFFFFF, in this order. */
function readZip64Extra(extra: Buffer, entry: ZipEntry) {
  for (let pos = 0; pos + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(pos);
    const length = extra.readUInt16LE(pos + 2);
    if (id === 0x0001) {
      let at = pos + 4;
      const next = () => {
        const value = Number(extra.readBigUInt64LE(at));
        at += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    pos += 4 + length;
  }
}
