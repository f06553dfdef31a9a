// One XML part of a zip, streamed through saxes: element names reach the
// handlers without their namespace prefix (`x:c` → `c`; writers that use the
// OpenXML SDK prefix every element), attributes keep theirs (`r:id`).
import { SaxesParser } from 'saxes';
import type { ZipArchive } from './zip-archive.ts';

export interface XmlHandlers {
  open?(name: string, attributes: Readonly<Record<string, string>>): void;
  text?(text: string): void;
  close?(name: string): void;
}

const localName = (name: string) => {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
};

/**
 * Feeds a part's XML to `handlers`; after the events of each chunk,
 * `afterChunk` runs (and is awaited), so a reader can write out what the
 * chunk completed before more is read.
 */
export async function parseXmlPart(archive: ZipArchive, file: string, part: string, handlers: XmlHandlers, afterChunk?: () => Promise<void>): Promise<void> {
  const parser = new SaxesParser({ xmlns: false });
  parser.on('error', (error) => {
    throw new Error(`${file}: part ${part} is not well-formed XML (${error.message})`, { cause: error });
  });
  if (handlers.open) {
    const open = handlers.open;
    parser.on('opentag', (tag) => open(localName(tag.name), tag.attributes as Record<string, string>));
  }
  if (handlers.text) {
    parser.on('text', handlers.text);
    parser.on('cdata', handlers.text);
  }
  if (handlers.close) {
    const close = handlers.close;
    parser.on('closetag', (tag) => close(localName(tag.name)));
  }
  let decoder: TextDecoder | undefined;
  for await (const chunk of archive.read(part)) {
    // XML parts are UTF-8; UTF-16 is allowed when the part starts with its BOM.
    decoder ??= new TextDecoder(chunk[0] === 0xff && chunk[1] === 0xfe ? 'utf-16le' : chunk[0] === 0xfe && chunk[1] === 0xff ? 'utf-16be' : 'utf-8');
    parser.write(decoder.decode(chunk, { stream: true }));
    if (afterChunk) await afterChunk();
  }
  parser.write(decoder?.decode() ?? '');
  parser.close();
  if (afterChunk) await afterChunk();
}
