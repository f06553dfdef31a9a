// Patient identity reaches the warehouse only as a keyed pseudonym:
// HMAC-SHA256(key, patient_id), computed inside DuckDB so no MRN passes
// through Node. The key comes from REFLOOP_PSEUDONYM_KEY or, failing that, a
// key file made once beside the warehouse (mode 0600, git-ignored).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const BLOCK_BYTES = 64;
export const KEY_ENV = 'REFLOOP_PSEUDONYM_KEY';

export async function loadPseudonymKey(keyFile: string): Promise<Buffer> {
  const fromEnv = process.env[KEY_ENV];
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  try {
    return Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32).toString('hex');
  await mkdir(dirname(keyFile), { recursive: true });
  // 'wx' fails if another process made the file first; read theirs then.
  try {
    await writeFile(keyFile, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return Buffer.from(key, 'utf8');
  } catch {
    return Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'utf8');
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
