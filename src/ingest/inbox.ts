// Finds the extract files in the inbox and their kinds. A file's kind is the
// kind name it starts with, followed by `_` or `.`; the longest match wins, so
// referral_events_week47.csv is referral_events, not referrals.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTRACTS } from '../contracts/extracts.ts';
import type { ExtractContract } from '../contracts/types.ts';

export interface InboxFile {
  path: string;
  name: string;
  sizeBytes: number;
  modifiedMs: number;
  /** Undefined for a CSV file that names no known kind: it is refused. */
  contract: ExtractContract | undefined;
}

const KINDS_LONGEST_FIRST = [...CONTRACTS].sort((a, b) => b.kind.length - a.kind.length);

export function isExtractFileName(name: string): boolean {
  return /\.csv(\.gz)?$/i.test(name) && !name.startsWith('.');
}

export function contractForFileName(name: string): ExtractContract | undefined {
  const lower = name.toLowerCase();
  return KINDS_LONGEST_FIRST.find((c) => lower.startsWith(`${c.kind}_`) || lower.startsWith(`${c.kind}.`));
}

/** The inbox's extract files in order of name: the order they are applied in. */
export async function listInbox(dir: string): Promise<InboxFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = entries.filter((e) => e.isFile() && isExtractFileName(e.name)).map((e) => e.name);
  files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    files.map(async (name) => {
      const path = join(dir, name);
      const info = await stat(path);
      return { path, name, sizeBytes: info.size, modifiedMs: Math.trunc(info.mtimeMs), contract: contractForFileName(name) };
    }),
  );
}
