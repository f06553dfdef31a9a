// What encoding a text file is in, and a UTF-8 copy of it with the same lines.
//
// DuckDB's read_csv reads UTF-8 only here (PITFALLS: its latin-1 refuses a
// Windows-1252 0x92, and utf-16 on a non-UTF-16 file reads zero rows without
// an error), so every other encoding is decoded in Node into a private copy.
// The copy keeps every line where it was, so a line number in the copy is the
// raw file's line number and the ingest's accounting needs no line map.
import { isUtf8 } from 'node:buffer';
import { type PrivateFileWriter, withPrivateFile } from './private-file.ts';
import { RawInput, type RawDigest, type RawReadOptions } from './raw-input.ts';
import { createChunkDecoder, type TextEncodingName } from './text-decoding.ts';

export type DetectedEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'invalid-utf-8';

/** How much of the start of a file decides BOMs and the UTF-16 NUL pattern. */
const HEAD_BYTES = 4096;

/**
 * The encoding of a file (decompressed first when its name ends in `.gz`):
 * - a BOM decides: EF BB BF → 'utf-8-bom' (when the rest is valid UTF-8),
 *   FF FE → 'utf-16le', FE FF → 'utf-16be';
 * - without one, UTF-16 shows in the first 4 KiB as NUL bytes in every other
 *   position (the high byte of ASCII characters): NULs in odd positions →
 *   'utf-16le', in even positions → 'utf-16be';
 * - otherwise 'utf-8' when every byte sequence in the whole file is UTF-8
 *   (ASCII included), else 'invalid-utf-8'. A sequence cut by a chunk
 *   boundary is joined before it is judged.
 */
export async function detectEncoding(path: string, options: RawReadOptions = {}): Promise<DetectedEncoding> {
  const input = new RawInput(path, options);
  const headParts: Buffer[] = [];
  let headLength = 0;
  let byHead: DetectedEncoding | undefined;
  const validator = new Utf8Validator();
  for await (const chunk of input) {
    if (byHead === undefined) {
      headParts.push(chunk);
      headLength += chunk.length;
      if (headLength < HEAD_BYTES) continue;
      byHead = judgeHead(Buffer.concat(headParts));
      if (byHead === 'utf-16le' || byHead === 'utf-16be') return byHead;
      for (const part of headParts) if (!validator.push(part)) return 'invalid-utf-8';
    } else if (!validator.push(chunk)) {
      return 'invalid-utf-8';
    }
  }
  if (byHead === undefined) {
    byHead = judgeHead(Buffer.concat(headParts));
    if (byHead === 'utf-16le' || byHead === 'utf-16be') return byHead;
    for (const part of headParts) if (!validator.push(part)) return 'invalid-utf-8';
  }
  return validator.end() ? byHead : 'invalid-utf-8';
}

/**
 * UTF-8 validation chunk by chunk with Node's native isUtf8 (TextDecoder's
 * fatal mode is some twenty times slower, and an NPPES file is 9 GB). A
 * sequence cut by the end of a chunk is held back and judged with the next.
 */
class Utf8Validator {
  private carry: Buffer | undefined;

  push(chunk: Buffer): boolean {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTail(bytes);
    this.carry = cut < bytes.length ? Buffer.from(bytes.subarray(cut)) : undefined;
    return isUtf8(bytes.subarray(0, cut));
  }

  /** False when the input ends inside a sequence. */
  end(): boolean {
    return this.carry === undefined;
  }
}

/** Where a multi-byte sequence that the end of `bytes` cuts short starts (else bytes.length). */
function incompleteTail(bytes: Buffer): number {
  const end = bytes.length;
  for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
    const b = bytes[i]!;
    if (b < 0x80) return end; // ASCII: nothing is cut
    if (b < 0xc0) continue; // a continuation byte: look further back for the lead
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return end - i < length ? i : end;
  }
  return end;
}

/** BOMs and the UTF-16 NUL pattern; 'utf-8' / 'utf-8-bom' still need the whole file checked. */
function judgeHead(head: Buffer): DetectedEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8-bom';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  let nulHigh = 0; // pairs like 'A' 00: little-endian
  let nulLow = 0; // pairs like 00 'A': big-endian
  for (let i = 0; i + 1 < head.length; i += 2) {
    const even = head[i]!;
    const odd = head[i + 1]!;
    if (even !== 0 && odd === 0) nulHigh++;
    else if (even === 0 && odd !== 0) nulLow++;
  }
  const pairs = Math.floor(head.length / 2);
  // Text in UTF-16 has a NUL in nearly every pair (ASCII punctuation, digits
  // and line ends at least); text in UTF-8 has none.
  if (nulHigh >= pairs / 4 && nulHigh > 8 * nulLow) return 'utf-16le';
  if (nulLow >= pairs / 4 && nulLow > 8 * nulHigh) return 'utf-16be';
  return 'utf-8';
}

/** The decoding to use for a detected encoding ('invalid-utf-8' decodes as UTF-8 with U+FFFD). */
export function decodingFor(detected: DetectedEncoding): TextEncodingName {
  return detected === 'utf-16le' || detected === 'utf-16be' ? detected : 'utf-8';
}

/**
 * Writes `dst` (new, mode 0600) as the UTF-8 text of `src` read in
 * `encoding` (see text-decoding.ts for each), decompressing a `.gz` source
 * first. The copy has the raw file's line structure exactly; it has no BOM.
 * Returns the SHA-256 and length of the raw (decompressed) bytes. On any
 * failure `dst` is removed.
 */
export async function transcodeToUtf8(
  src: string,
  dst: string,
  encoding: TextEncodingName,
  options: RawReadOptions = {},
): Promise<RawDigest> {
  const input = new RawInput(src, options);
  await withPrivateFile(dst, async (out: PrivateFileWriter) => {
    const decoder = createChunkDecoder(encoding);
    for await (const chunk of input) await out.write(decoder.write(chunk));
    await out.write(decoder.end());
  });
  return input.digest();
}
