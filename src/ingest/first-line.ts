// The header line of a (possibly gzipped) text file, after the lines a feed
// skips, for sniffing a .txt export's delimiter.
import { openExtract } from './record-scanner.ts';

export async function readFirstLine(path: string, skipLines = 0, maxBytes = 256 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of openExtract(path)) {
    parts.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    const text = Buffer.concat(parts).toString('utf8');
    const lines = text.split(/\r\n|\n|\r/);
    if (lines.length > skipLines + 1 || length >= maxBytes) return (lines[skipLines] ?? '').replace(/^\uFEFF/, '');
  }
  return (Buffer.concat(parts).toString('utf8').split(/\r\n|\n|\r/)[skipLines] ?? '').replace(/^\uFEFF/, '');
}
