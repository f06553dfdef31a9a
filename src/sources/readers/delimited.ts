// A vendor's delimited report rewritten as the private comma CSV the ingest
// reads, for the files DuckDB cannot be handed as they are: lines to skip
// above the header, or a delimiter together with an encoding other than
// UTF-8. Records are split as in delimited-records.ts; each one written
// carries `__origin_line`, its physical line in the raw file.
//
// A record that cannot be a row is not written; it is returned in
// `quarantined` with its line and a reason (never its text):
// - a field count different from the header's;
// - broken quoting (text after a closing quote);
// - a quote never closed: every physical line from the one where it opened
//   is then read on its own and is written if it parses alone, else
//   quarantined (extracts.md, "Bad input"), so no row disappears into the
//   open field.
import { basename } from 'node:path';
import { csvLine, originHeaderLine, type QuarantinedLine } from './csv-output.ts';
import { DelimitedSplitter, PhysicalLines, type SplitItem } from './delimited-records.ts';
import { type PrivateFileWriter, withPrivateFile } from './private-file.ts';
import { RawInput, type RawDigest, type RawReadOptions } from './raw-input.ts';
import { createChunkDecoder, TEXT_ENCODINGS, type TextEncodingName } from './text-decoding.ts';

export const BROKEN_QUOTING = 'has broken quoting (text after the closing quote of a field)';
export const OPEN_QUOTE = 'has a quote that is never closed (the file ends inside a quoted field)';
export const fieldCountReason = (fields: number, expected: number) => `has ${fields} fields where the header has ${expected}`;

export interface DelimitedOptions extends RawReadOptions {
  /** One character: `,`, tab, `|`, `;`, … */
  delimiter: string;
  /** One character, or null for text without quoting. Default `"`. */
  quote?: string | null;
  /** Physical lines above the header to pass over. Default 0. */
  skipLines?: number;
  /** Default 'utf-8' (invalid sequences become U+FFFD). */
  encoding?: TextEncodingName;
}

export interface DelimitedResult extends RawDigest {
  /** The source header's columns, as written (before `__origin_line`). */
  header: string[];
  /** Physical line of the header in the raw file (0 when the file has no header). */
  headerLine: number;
  /** Records written. rows read = records + quarantined.length. */
  records: number;
  quarantined: QuarantinedLine[];
}

export async function rewriteDelimited(src: string, dst: string, options: DelimitedOptions): Promise<DelimitedResult> {
  const file = basename(src);
  const split = { delimiter: options.delimiter, quote: options.quote === undefined ? '"' : options.quote || null, skipLines: options.skipLines ?? 0 };
  const encoding = options.encoding ?? 'utf-8';
  checkOptions(file, split, encoding);

  const input = new RawInput(src, options);
  let digest: RawDigest | undefined;
  const result = await withPrivateFile(dst, async (out) => {
    const sink = new RecordSink(file, out);
    const splitter = new DelimitedSplitter(split);
    const decoder = createChunkDecoder(encoding);
    for await (const chunk of input) await sink.take(splitter.push(decoder.write(chunk)));
    await sink.take(splitter.push(decoder.end()));
    const { items, openQuoteLine } = splitter.finish();
    await sink.take(items);
    digest = input.digest();
    if (openQuoteLine !== undefined) {
      if (sink.header === undefined) throw new Error(`${file} line ${openQuoteLine}: the header ${OPEN_QUOTE}`);
      await readLinesAlone(src, options, encoding, split, openQuoteLine, sink, digest);
    }
    await sink.finish();
    return sink;
  });
  return {
    ...digest!,
    header: result.header ?? [],
    headerLine: result.headerLine,
    records: result.records,
    quarantined: result.quarantined.sort((a, b) => a.line - b.line),
  };
}

function checkOptions(file: string, split: { delimiter: string; quote: string | null; skipLines: number }, encoding: TextEncodingName) {
  const { delimiter, quote, skipLines } = split;
  if (delimiter.length !== 1 || delimiter === '\r' || delimiter === '\n') throw new Error(`${file}: the delimiter must be one character other than a line end`);
  if (quote !== null && (quote.length !== 1 || quote === '\r' || quote === '\n')) throw new Error(`${file}: the quote must be one character other than a line end`);
  if (quote === delimiter) throw new Error(`${file}: the quote and the delimiter must differ`);
  if (!Number.isInteger(skipLines) || skipLines < 0) throw new Error(`${file}: skipLines must be a whole number of lines, 0 or more`);
  if (!TEXT_ENCODINGS.includes(encoding)) throw new Error(`${file}: unknown encoding ${String(encoding)}`);
}

/** Takes split records in file order: the first is the header, the others are written or quarantined. */
class RecordSink {
  header: string[] | undefined;
  headerLine = 0;
  records = 0;
  readonly quarantined: QuarantinedLine[] = [];

  constructor(
    private readonly file: string,
    private readonly out: PrivateFileWriter,
  ) {}

  async take(items: SplitItem[]): Promise<void> {
    for (const item of items) {
      if (this.header === undefined) {
        if (item.kind === 'broken') throw new Error(`${this.file} line ${item.line}: the header ${BROKEN_QUOTING}`);
        this.header = item.fields;
        this.headerLine = item.line;
        await this.out.write(originHeaderLine(item.fields, this.file));
      } else if (item.kind === 'broken') {
        this.quarantined.push({ line: item.line, reason: BROKEN_QUOTING });
      } else if (item.fields.length !== this.header.length) {
        this.quarantined.push({ line: item.line, reason: fieldCountReason(item.fields.length, this.header.length) });
      } else {
        item.fields.push(String(item.line));
        await this.out.write(csvLine(item.fields));
        this.records++;
      }
    }
  }

  /** A file with no header at all still gets one, `__origin_line` alone. */
  async finish(): Promise<void> {
    if (this.header === undefined) await this.out.write(originHeaderLine([], this.file));
  }
}

/**
 * After a quote left open at the end of the file: reads the file again and
 * splits each physical line from `fromLine` on as a text of its own.
 */
async function readLinesAlone(
  src: string,
  options: RawReadOptions,
  encoding: TextEncodingName,
  split: { delimiter: string; quote: string | null },
  fromLine: number,
  sink: RecordSink,
  firstRead: RawDigest,
): Promise<void> {
  const input = new RawInput(src, options);
  const decoder = createChunkDecoder(encoding);
  const lines = new PhysicalLines();
  const readAlone = async (batch: { line: number; text: string }[]) => {
    for (const { line, text } of batch) {
      if (line < fromLine || text.length === 0) continue; // a blank line is not a record
      const alone = new DelimitedSplitter({ ...split, skipLines: 0 });
      const items = alone.push(text);
      const end = alone.finish();
      if (end.openQuoteLine !== undefined) {
        sink.quarantined.push({ line, reason: OPEN_QUOTE });
        continue;
      }
      await sink.take([...items, ...end.items].map((item) => ({ ...item, line })));
    }
  };
  for await (const chunk of input) await readAlone(lines.push(decoder.write(chunk)));
  await readAlone(lines.push(decoder.end()));
  await readAlone(lines.finish());
  const again = input.digest();
  if (again.sha256 !== firstRead.sha256) throw new Error(`${basename(src)} changed while it was being read`);
}
