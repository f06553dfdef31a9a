// Which extract kinds a file of a csv source is, and how it is read. A feed's
// `files` patterns decide first; without them a file's kind is the kind name
// it starts with, followed by `_` or `.` (the longest match wins, so
// referral_events_week47.csv is referral_events, not referrals). One file
// may be several kinds (an encounter export read as appointments and as
// visits) when several feeds' patterns name it.
import type { FeedConfig } from '../config/feed-schema.ts';
import type { RefloopConfig } from '../config/schema.ts';
import { EXTRACT_KINDS } from '../config/schema.ts';
import { contractOf } from '../contracts/extracts.ts';
import type { ExtractContract } from '../contracts/types.ts';
import type { FileFormat } from './convert.ts';

type Kind = (typeof EXTRACT_KINDS)[number];
type Feeds = RefloopConfig['feeds'];

/** Extensions read as data files (any case; each may be gzipped but .xlsx). */
const EXTENSIONS = /\.(csv|tsv|txt|ndjson|jsonl)(\.gz)?$|\.xlsx$/i;

export function isDataFileName(name: string): boolean {
  return EXTENSIONS.test(name) && !name.startsWith('.');
}

/** A glob (`*`, `?`, `[…]`) as a case-insensitive regular expression over a file name. */
export function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'i');
}

const KINDS_LONGEST_FIRST = [...EXTRACT_KINDS].sort((a, b) => b.length - a.length);

export interface FileKind {
  kind: Kind;
  contract: ExtractContract;
  feed: FeedConfig | undefined;
}

/** The kinds a file is: every feed whose patterns name it, else the kind its name starts with. */
export function kindsOfFile(name: string, feeds: Feeds): FileKind[] {
  const byPattern = EXTRACT_KINDS.filter((kind) => feeds[kind]?.files?.some((glob) => globRegExp(glob).test(name)));
  if (byPattern.length) return byPattern.map((kind) => ({ kind, contract: contractOf(kind), feed: feeds[kind] }));
  if (!isDataFileName(name)) return [];
  const lower = name.toLowerCase();
  const kind = KINDS_LONGEST_FIRST.find((k) => (lower.startsWith(`${k}_`) || lower.startsWith(`${k}.`)) && !feeds[k]?.files);
  return kind ? [{ kind, contract: contractOf(kind), feed: feeds[kind] }] : [];
}

/** How a file is read: the feed's format and delimiter, else what its extension says. */
export function fileFormat(name: string, feed: FeedConfig | undefined, headerSample?: string): FileFormat {
  const bare = name.toLowerCase().replace(/\.gz$/, '');
  const extension = bare.slice(bare.lastIndexOf('.') + 1);
  const type = feed?.format === 'xlsx' || (!feed?.format && extension === 'xlsx') ? 'xlsx' : feed?.format === 'ndjson' || (!feed?.format && (extension === 'ndjson' || extension === 'jsonl')) ? 'ndjson' : 'delimited';
  const delimiter = feed?.delimiter ?? (feed?.format === 'tsv' || extension === 'tsv' ? '\t' : extension === 'txt' ? sniffDelimiter(headerSample) : ',');
  return { type, delimiter, encoding: feed?.encoding ?? 'utf-8', skipLines: feed?.skip_lines ?? 0, sheet: feed?.sheet };
}

/** A .txt export's delimiter: whichever of tab, |, ; and , its first line holds most of (tab when none). */
export function sniffDelimiter(firstLine: string | undefined): string {
  if (!firstLine) return '\t';
  const counts = ['\t', '|', ';', ','].map((d) => ({ d, n: firstLine.split(d).length - 1 }));
  const best = counts.reduce((a, b) => (b.n > a.n ? b : a));
  return best.n > 0 ? best.d : '\t';
}
