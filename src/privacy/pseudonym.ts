// Patient identity reaches the warehouse only as a keyed pseudonym:
// HMAC-SHA256(key, patient_id), computed in SQL by the staging DuckDB (a
// process of its own: ingest/staging-instance.ts), so no MRN is handed to
// Node row by row or ever held by the warehouse's DuckDB. The key comes from
// REFLOOP_PSEUDONYM_KEY or, failing that, a key file made once beside the
// warehouse (mode 0600, git-ignored). Whoever holds the key can recompute the
// pseudonym of any MRN, so a weak or exposed key is refused rather than used.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KEY_ENV } from './key-env.mjs';

export { KEY_ENV };
const BLOCK_BYTES = 64;
/** An HMAC key shorter than this can be guessed; 32 bytes is SHA-256's own strength. */
export const MIN_KEY_BYTES = 32;

/** A key refloop will not use, said in one line with what to do. The key itself is never in it. */
export class PseudonymKeyError extends Error {}

/** Where a new key file's bytes are written: a seam so a test can make the disk fail mid-write. */
export type KeyWriter = (file: FileHandle, text: string) => Promise<void>;
const writeAll: KeyWriter = async (file, text) => {
  await file.writeFile(text, 'utf8');
};

/**
 * The key: REFLOOP_PSEUDONYM_KEY when set, else the key file, else a new key
 * written to the key file. Every key must hold at least 32 bytes once a
 * trailing newline is dropped; a key file must be the owner's alone (no group
 * or other permission bits), since whoever holds the key can test an MRN
 * against the warehouse's pseudonyms.
 */
export async function loadPseudonymKey(keyFile: string, options: { write?: KeyWriter } = {}): Promise<Buffer> {
  const fromEnv = process.env[KEY_ENV];
  if (fromEnv !== undefined) {
    // Set but empty counts too: `REFLOOP_PSEUDONYM_KEY=$UNSET_VARIABLE` must not quietly mean "make a new key".
    const todo = `set ${KEY_ENV} to a key of at least ${MIN_KEY_BYTES} bytes (e.g. the output of: openssl rand -hex 32), or unset it to use the key file ${keyFile}`;
    return strongKey(withoutNewline(fromEnv), KEY_ENV, todo);
  }
  await removeLeftovers(keyFile);
  const existing = await readKeyFile(keyFile);
  if (existing !== undefined) return existing;
  return createKeyFile(keyFile, options.write ?? writeAll);
}

const withoutNewline = (text: string) => text.replace(/\r?\n$/, '');

function strongKey(text: string, where: string, todo: string): Buffer {
  const key = Buffer.from(text, 'utf8');
  if (key.length >= MIN_KEY_BYTES) return key;
  const size = key.length === 0 ? 'is empty' : `holds ${key.length} byte${key.length === 1 ? '' : 's'}`;
  throw new PseudonymKeyError(`the pseudonym key in ${where} ${size}; it needs at least ${MIN_KEY_BYTES}: ${todo}`);
}

/** The key in the key file, or undefined when there is no key file. */
async function readKeyFile(keyFile: string): Promise<Buffer | undefined> {
  let file: FileHandle;
  try {
    // O_NOFOLLOW: the key file itself, not whatever a link beside the warehouse points to.
    file = await open(keyFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new PseudonymKeyError(`the pseudonym key file ${keyFile} is a symbolic link: put the key file itself there (mode 0600)`);
    throw error;
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) throw new PseudonymKeyError(`the pseudonym key file ${keyFile} is not a regular file`);
    if (info.mode & 0o077) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new PseudonymKeyError(`the pseudonym key file ${keyFile} can be read or written by group or others (mode ${mode}): run chmod 600 ${keyFile}, and if others may have copied it, treat the key as exposed (see docs/security.md)`);
    }
    const text = withoutNewline(await file.readFile('utf8'));
    return strongKey(text, `the file ${keyFile}`, `restore the key this warehouse was built with, or, for a new warehouse, delete the file so refloop makes a new key`);
  } finally {
    await file.close();
  }
}

/**
 * A new random key, published whole or not at all: written to a temporary
 * file in the same folder (mode 0600) and synced, then linked into place
 * (which fails if another process made the key file first: theirs is read),
 * and the folder synced. A failure at any step removes the temporary file,
 * so a full disk can never leave an empty or partial key file behind.
 */
async function createKeyFile(keyFile: string, write: KeyWriter): Promise<Buffer> {
  const key = randomBytes(32).toString('hex');
  const folder = dirname(keyFile);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `${basename(keyFile)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  try {
    const file = await open(temp, 'wx', 0o600);
    try {
      await write(file, `${key}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    if (!(await publish(temp, keyFile))) return (await readKeyFile(keyFile))!;
    await syncFolder(folder);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return Buffer.from(key, 'utf8');
}

const TEMP_SUFFIX = '.tmp';

/**
 * Temporary key files of a process killed while it made a key (they hold a
 * key, or part of one): removed unless their process still runs.
 */
async function removeLeftovers(keyFile: string): Promise<void> {
  const prefix = `${basename(keyFile)}.`;
  const names = await readdir(dirname(keyFile)).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && !running(pid)) await unlink(join(dirname(keyFile), name)).catch(() => undefined);
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Puts the temporary file in place; false when a key file already exists (made meanwhile by another process). */
async function publish(temp: string, keyFile: string): Promise<boolean> {
  try {
    await link(temp, keyFile);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: rename, which is just as atomic.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
      await rename(temp, keyFile);
      return true;
    }
    throw error;
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The pseudonym in Node, for tests and checks: must equal the SQL's. */
export function pseudonym(key: Buffer, patientId: string): string {
  return createHmac('sha256', key).update(patientId, 'utf8').digest('hex');
}

/**
 * A fingerprint that tells whether a warehouse was built with this key, without
 * revealing the key: pseudonyms made under two keys never match.
 */
export function keyFingerprint(key: Buffer): string {
  return pseudonym(key, 'refloop key fingerprint').slice(0, 16);
}

/**
 * HMAC-SHA256 as a DuckDB macro (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)).
 * DuckDB has sha256 over blobs but no hmac, and this keeps MRNs inside the engine.
 */
export function pseudonymMacroSql(key: Buffer): string {
  const block = Buffer.alloc(BLOCK_BYTES);
  (key.length > BLOCK_BYTES ? createHash('sha256').update(key).digest() : key).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((b) => b ^ byte)).toString('hex');
  return `CREATE OR REPLACE TEMP MACRO refloop_pseudonym(v) AS (
  CASE WHEN v IS NOT NULL THEN
    sha256(unhex('${pad(0x5c)}') || unhex(sha256(unhex('${pad(0x36)}') || encode(v))))
  END
);`;
}
