// What the inbox holds, source by source: for a csv source its extract files
// (each with the kinds it is), for a table adapter its deliveries. Whatever
// is neither is named with the reason it is not read, never passed over in
// silence.
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { RefloopConfig, SourceConfig } from '../config/schema.ts';
import type { Delivery, DeliveryFile, SourceAdapter } from '../sources/adapter.ts';
import { type FileKind, isDataFileName, kindsOfFile } from './file-kinds.ts';

export interface SourceRef {
  source: SourceConfig;
  /** Its position in the config's `sources`: breaks ties between deliveries of one name. */
  position: number;
}

export interface InboxFile extends SourceRef {
  path: string;
  /** Path relative to the inbox, `/` separated: how the warehouse names it. */
  file: string;
  sizeBytes: number;
  modifiedMs: number;
  kinds: FileKind[];
}

export interface DeliveryUnit extends SourceRef {
  adapter: SourceAdapter;
  delivery: Delivery;
  /** Path of the delivery relative to the inbox. */
  label: string;
  newestMs: number;
}

export interface Discovery {
  files: InboxFile[];
  deliveries: DeliveryUnit[];
  ignored: { file: string; reason: string }[];
  refused: { file: string; reason: string }[];
}

/** Without `sources`, the inbox itself is the canonical csv source. */
export const INBOX_SOURCE: SourceConfig = { name: 'inbox', adapter: 'csv', path: '.', maps: {} };

export function configuredSources(config: RefloopConfig): SourceConfig[] {
  return config.sources ?? [INBOX_SOURCE];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const slash = (path: string) => path.split(sep).join('/');

export async function discover(config: RefloopConfig, inboxDir: string, adapterFor: (name: string) => SourceAdapter): Promise<Discovery> {
  const found: Discovery = { files: [], deliveries: [], ignored: [], refused: [] };
  const sources = configuredSources(config);
  const sourceDirs = sources.map((s) => resolve(inboxDir, s.path));
  for (const [position, source] of sources.entries()) {
    const dir = sourceDirs[position]!;
    const ref = { source, position };
    const entries = await listDir(dir);
    if (!entries) {
      found.ignored.push({ file: slash(relative(inboxDir, dir)) || '.', reason: `the folder of source ${source.name} does not exist` });
      continue;
    }
    if (source.adapter === 'csv') await csvFiles(ref, dir, inboxDir, entries, sourceDirs, config, found);
    else await deliveries(ref, dir, inboxDir, entries, adapterFor(source.adapter), found);
  }
  found.files.sort((a, b) => byName(a.file, b.file));
  return found;
}

async function listDir(dir: string) {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => byName(a.name, b.name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

async function csvFiles(
  ref: SourceRef,
  dir: string,
  inboxDir: string,
  entries: NonNullable<Awaited<ReturnType<typeof listDir>>>,
  sourceDirs: string[],
  config: RefloopConfig,
  found: Discovery,
): Promise<void> {
  const feeds = ref.source.feeds ?? config.feeds;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const file = slash(relative(inboxDir, path));
    if (entry.isDirectory()) {
      // Another source's folder (or one holding it) is that source's business.
      if (!sourceDirs.some((d) => d === path || d.startsWith(path + sep))) found.ignored.push({ file, reason: 'a folder that is no source’s path' });
      continue;
    }
    if (entry.isSymbolicLink()) {
      found.ignored.push({ file, reason: 'a symbolic link (links are not followed)' });
      continue;
    }
    if (!entry.isFile()) {
      found.ignored.push({ file, reason: 'not a regular file' });
      continue;
    }
    const kinds = kindsOfFile(entry.name, feeds);
    if (kinds.length === 0) {
      // A CSV is the contract's own format: one that names no kind is a mistake to fix. Other
      // formats are read only when a feed names them, so one that no feed names is set aside.
      if (/\.csv(\.gz)?$/i.test(entry.name) && !entry.name.startsWith('.')) {
        found.refused.push({
          file,
          reason: 'its name starts with no known extract kind (referrals, referral_events, appointments, visits, providers, capacity, liaison_activities) followed by _ or ., and no feed’s files pattern names it',
        });
      } else if (isDataFileName(entry.name)) {
        found.ignored.push({ file, reason: 'its name starts with no known extract kind, and no feed’s files pattern names it' });
      } else found.ignored.push({ file, reason: 'not an extract (not .csv, .tsv, .txt, .xlsx or .ndjson)' });
      continue;
    }
    const info = await lstatIfThere(path);
    if (!info) {
      found.ignored.push({ file, reason: 'it went away while the inbox was being read' });
      continue;
    }
    found.files.push({ ...ref, path, file, sizeBytes: info.size, modifiedMs: Math.trunc(info.mtimeMs), kinds });
  }
}

/** Every sub-folder of a table source's path is one delivery; files directly in it are one more, named after the newest. */
async function deliveries(
  ref: SourceRef,
  dir: string,
  inboxDir: string,
  entries: NonNullable<Awaited<ReturnType<typeof listDir>>>,
  adapter: SourceAdapter,
  found: Discovery,
): Promise<void> {
  const loose: DeliveryFile[] = [];
  let looseNewest = 0;
  let looseNewestName = '';
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const files: DeliveryFile[] = [];
      const newest = await collect(path, path, adapter, inboxDir, files, found);
      if (files.length) found.deliveries.push({ ...ref, adapter, delivery: { name: entry.name, dir: path, files }, label: slash(relative(inboxDir, path)), newestMs: newest });
      else found.ignored.push({ file: slash(relative(inboxDir, path)), reason: `a folder with no file the ${adapter.name} adapter reads` });
      continue;
    }
    const modified = await accept(path, dir, adapter, inboxDir, loose, found);
    if (modified !== undefined && modified >= looseNewest) {
      looseNewest = modified;
      looseNewestName = entry.name;
    }
  }
  if (loose.length) {
    loose.sort((a, b) => byName(a.name, b.name));
    found.deliveries.push({ ...ref, adapter, delivery: { name: looseNewestName, dir, files: loose }, label: slash(relative(inboxDir, dir)) || '.', newestMs: looseNewest });
  }
}

/** The files of a delivery folder, recursively; returns the newest modification time. */
async function collect(root: string, dir: string, adapter: SourceAdapter, inboxDir: string, files: DeliveryFile[], found: Discovery): Promise<number> {
  let newest = 0;
  for (const entry of (await listDir(dir)) ?? []) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await collect(root, path, adapter, inboxDir, files, found));
    else newest = Math.max(newest, (await accept(path, root, adapter, inboxDir, files, found)) ?? 0);
  }
  files.sort((a, b) => byName(a.name, b.name));
  return newest;
}

/** Adds a file the adapter reads; names what it does not. Returns the file's modification time when taken. */
/**
 * Adds a file the adapter reads; names what it does not. Returns the file's
 * modification time whether taken or not: a delivery waits while any of its
 * files is recent (a table still arriving under a temporary name).
 */
async function accept(path: string, root: string, adapter: SourceAdapter, inboxDir: string, files: DeliveryFile[], found: Discovery): Promise<number | undefined> {
  const info = await lstatIfThere(path);
  const shown = slash(relative(inboxDir, path));
  if (!info) {
    found.ignored.push({ file: shown, reason: 'it went away while the inbox was being read' });
    return undefined;
  }
  const modified = Math.trunc(info.mtimeMs);
  if (info.isSymbolicLink() || !info.isFile()) {
    found.ignored.push({ file: shown, reason: info.isSymbolicLink() ? 'a symbolic link (links are not followed)' : 'not a regular file' });
    return modified;
  }
  const file: DeliveryFile = { name: slash(relative(root, path)), path, sizeBytes: info.size };
  if (!adapter.accepts(file)) {
    found.ignored.push({ file: shown, reason: `not a file the ${adapter.name} adapter reads` });
    return modified;
  }
  files.push(file);
  return modified;
}

async function lstatIfThere(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
