// The first line of a (possibly gzipped) text file, for sniffing a .txt export's delimiter.
import { openExtract } from './record-scanner.ts';

export async function readFirstLine(path: string, maxBytes = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of openExtract(path)) {
    const buffer = chunk as Buffer;
    const end = buffer.indexOf(0x0a);
    parts.push(end === -1 ? buffer : buffer.subarray(0, end));
    length += buffer.length;
    if (end !== -1 || length >= maxBytes) break;
  }
  return Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '');
}
