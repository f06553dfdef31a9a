// Raw bytes to text, chunk by chunk, for the encodings a feed may declare.
// Every decoder maps CR and LF to themselves and never joins or splits a line,
// so the text has the raw file's line structure exactly.
//
// - utf-8: a byte sequence that is not UTF-8 becomes U+FFFD (WHATWG's
//   decoder: each maximal invalid subsequence is one U+FFFD, and the byte
//   after it is read afresh, so an invalid byte before a line end leaves the
//   line end in place). A sequence split across chunks is joined first.
// - utf-16le / utf-16be: a leading BOM is dropped; an unpaired surrogate or
//   an odd last byte becomes U+FFFD.
// - windows-1252: WHATWG's table (0x80 → €, 0x92 → ’).
// - latin-1: true ISO-8859-1, byte n → U+00nn (WHATWG's 'latin1' label is
//   windows-1252, so TextDecoder cannot be used for it).
// A UTF-8 BOM at the start is dropped too.

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'latin-1';

export const TEXT_ENCODINGS: readonly TextEncodingName[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin-1'];

export interface ChunkDecoder {
  /** The text of this chunk (a sequence cut by the chunk's end is held back for the next). */
  write(chunk: Buffer): string;
  /** The text still held back, at the end of the input. */
  end(): string;
}

export function createChunkDecoder(encoding: TextEncodingName): ChunkDecoder {
  if (encoding === 'latin-1') {
    return { write: (chunk) => chunk.toString('latin1'), end: () => '' };
  }
  const decoder = new TextDecoder(encoding, { fatal: false, ignoreBOM: false });
  return {
    write: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode(),
  };
}
