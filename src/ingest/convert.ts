// What DuckDB reads for a file it cannot read as it lies: a private UTF-8
// copy (another encoding, bytes that are not UTF-8, lines before the header),
// or a CSV made from a spreadsheet or NDJSON whose rows name their raw line
// (`__origin_line`). A UTF-8 delimited file is read as it lies.
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { detectEncoding, transcodeToUtf8 } from '../sources/readers/encoding.ts';
import { rewriteDelimited } from '../sources/readers/delimited.ts';
import type { TextEncodingName } from '../sources/readers/text-decoding.ts';
import type { QuarantineRow } from './quarantine.ts';
import { scratchDir } from './work-dir.ts';

export interface FileFormat {
  type: 'delimited' | 'xlsx' | 'ndjson';
  delimiter: string;
  /** 'utf-8-replace': UTF-8 with each invalid byte sequence read as U+FFFD. */
  encoding: 'utf-8' | 'utf-8-replace' | 'utf-16' | 'windows-1252' | 'latin-1' | 'auto';
  skipLines: number;
  sheet?: string | undefined;
}

export interface Converted {
  readPath: string;
  delimiter: string;
  /** The raw file's hash when a copy is read (else the scan of readPath gives it). */
  sha256?: string;
  replacementChars: boolean;
  /** Raw rows the conversion could not turn into a record, by raw line. */
  quarantined: QuarantineRow[];
  cleanup: () => Promise<void>;
}

export async function convertForReading(request: { path: string; file: string; format: FileFormat; workDir: string }): Promise<Converted> {
  const { path, format } = request;
  const asIs: Converted = { readPath: path, delimiter: format.delimiter, replacementChars: false, quarantined: [], cleanup: async () => {} };
  if (format.type === 'delimited' && format.skipLines === 0 && format.encoding === 'utf-8') return GLOB_CHARACTERS.test(path) ? linkedUnderPlainName(path, request.workDir, asIs) : asIs;

  const scratch = await scratchDir(request.workDir, 'convert');
  const copy = join(scratch.dir, 'copy.csv');
  try {
    if (format.type === 'xlsx') {
      // Loaded only when a spreadsheet arrives: the reader is large, and most runs read none.
      const { xlsxToCsv } = await import('../sources/readers/xlsx.ts');
      const result = await xlsxToCsv(path, copy, format.sheet === undefined ? {} : { sheet: format.sheet });
      const quarantined = result.quarantined.map((q) => ({ line: q.line, column: null, value: null, reason: q.reason }));
      return { readPath: copy, delimiter: ',', sha256: result.sha256, replacementChars: true, quarantined, cleanup: scratch.remove };
    }
    if (format.type === 'ndjson') {
      const { ndjsonToCsv } = await import('../sources/readers/ndjson.ts');
      const result = await ndjsonToCsv(path, copy);
      const quarantined = result.quarantined.map((q) => ({ line: q.line, column: null, value: null, reason: q.reason }));
      return { readPath: copy, delimiter: ',', sha256: result.sha256, replacementChars: true, quarantined, cleanup: scratch.remove };
    }
    const encoding = await textEncoding(path, format.encoding);
    if (format.skipLines > 0) {
      const result = await rewriteDelimited(path, copy, { delimiter: format.delimiter, skipLines: format.skipLines, encoding });
      const quarantined = result.quarantined.map((q) => ({ line: q.line, column: null, value: null, reason: q.reason }));
      return { readPath: copy, delimiter: ',', sha256: result.sha256, replacementChars: encoding === 'utf-8', quarantined, cleanup: scratch.remove };
    }
    if (encoding === 'utf-8' && format.encoding !== 'utf-8-replace') {
      await scratch.remove();
      return asIs;
    }
    const digest = await transcodeToUtf8(path, copy, encoding);
    return { readPath: copy, delimiter: format.delimiter, sha256: digest.sha256, replacementChars: encoding === 'utf-8', quarantined: [], cleanup: scratch.remove };
  } catch (error) {
    await scratch.remove();
    throw error;
  }
}

/** DuckDB expands these in a read_csv path even when it names one file: `ref[1].csv` would read ref1.csv. */
const GLOB_CHARACTERS = /[*?[\]{}]/;

/** A link under a plain name in the private folder, so DuckDB reads the file the name means. */
async function linkedUnderPlainName(path: string, workDir: string, asIs: Converted): Promise<Converted> {
  const scratch = await scratchDir(workDir, 'name');
  const link = join(scratch.dir, /\.gz$/i.test(path) ? 'file.csv.gz' : 'file.csv');
  await symlink(path, link);
  return { ...asIs, readPath: link, cleanup: scratch.remove };
}

/** The encoding to decode with: as configured, or for 'auto' what the bytes say (not UTF-8: Windows-1252). */
async function textEncoding(path: string, configured: FileFormat['encoding']): Promise<TextEncodingName> {
  switch (configured) {
    case 'utf-8':
    case 'utf-8-replace':
      return 'utf-8';
    case 'windows-1252':
    case 'latin-1':
      return configured;
    case 'utf-16':
    case 'auto': {
      const detected = await detectEncoding(path);
      if (detected === 'utf-16le' || detected === 'utf-16be') return detected;
      if (configured === 'utf-16') return 'utf-16le';
      return detected === 'invalid-utf-8' ? 'windows-1252' : 'utf-8';
    }
  }
}
