// The bytes of a vendor file as the readers see them: decompressed when the
// name ends in `.gz` (any case), hashed and counted on the way through. The
// hash is of the decompressed bytes, as for canonical extracts (extracts.md:
// files are identified by the hash of their decompressed bytes).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** How a raw file was read: the SHA-256 (hex) and length of its (decompressed) bytes. */
export interface RawDigest {
  sha256: string;
  bytes: number;
}

export interface RawReadOptions {
  /**
   * Size of the chunks read from disk (and, for `.gz`, produced by gunzip,
   * which needs at least 64). Only tests set it, to put multi-byte sequences
   * and line ends across chunk boundaries.
   */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;
const MIN_GUNZIP_CHUNK = 64;

export const isGzipPath = (path: string) => /\.gz$/i.test(path);

/** Streams a file's bytes, hashing them; `digest()` is complete once the stream has been read to the end. */
export class RawInput implements AsyncIterable<Buffer> {
  private readonly hash: Hash = createHash('sha256');
  private length = 0;

  constructor(
    readonly path: string,
    private readonly options: RawReadOptions = {},
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK;
    const file = createReadStream(this.path, { highWaterMark: chunkSize });
    // pipeline() (unlike pipe()) destroys gunzip with the file's error, so a
    // missing or unreadable file fails the read instead of hanging it.
    const source: Readable = isGzipPath(this.path)
      ? pipeline(file, createGunzip({ chunkSize: Math.max(MIN_GUNZIP_CHUNK, chunkSize) }), () => undefined)
      : file;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        this.hash.update(chunk);
        this.length += chunk.length;
        yield chunk;
      }
    } finally {
      source.destroy();
      file.destroy();
    }
  }

  /** The hash and length of every byte read so far. Call once, after reading to the end. */
  digest(): RawDigest {
    return { sha256: this.hash.digest('hex'), bytes: this.length };
  }
}
