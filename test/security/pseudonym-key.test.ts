// The pseudonym key protects every MRN in the warehouse: a weak, empty or
// exposed key is refused, and a new key reaches its file whole or not at all.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_ENV, type KeyWriter, loadPseudonymKey, PseudonymKeyError } from '../../src/privacy/pseudonym.ts';
import { refloop } from '../helpers/cli.ts';
import { CONFIG } from './fixture.ts';

let dir: string;
let keyFile: string;
let savedEnv: string | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-key-'));
  keyFile = join(dir, 'data/.pseudonym-key');
  await mkdir(join(dir, 'data'));
  savedEnv = process.env[KEY_ENV];
  delete process.env[KEY_ENV];
});
afterEach(async () => {
  if (savedEnv === undefined) delete process.env[KEY_ENV];
  else process.env[KEY_ENV] = savedEnv;
  await rm(dir, { recursive: true, force: true });
});

const withoutKeyEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== KEY_ENV));
const bytes = (n: number) => 'k'.repeat(n);

describe(`${KEY_ENV}`, () => {
  it.each([
    ['empty', ''],
    ['a single character', '1'],
    ['31 bytes', bytes(31)],
    ['31 bytes and a newline', `${bytes(31)}\n`],
  ])('is refused when %s, without showing the key', async (_, key) => {
    process.env[KEY_ENV] = key;
    const refusal = loadPseudonymKey(keyFile);
    await expect(refusal).rejects.toBeInstanceOf(PseudonymKeyError);
    const message = await refusal.catch((error: Error) => error.message);
    expect(message).toMatch(/needs at least 32/);
    expect(message).toContain('openssl rand -hex 32');
    expect(message).not.toContain('\n');
    if (key.length > 1) expect(message).not.toContain(key.trim());
  });

  it('is taken at 32 bytes, counted in bytes (16 two-byte letters), without its trailing newline', async () => {
    process.env[KEY_ENV] = `${bytes(32)}\n`;
    expect((await loadPseudonymKey(keyFile)).toString()).toBe(bytes(32));
    process.env[KEY_ENV] = 'é'.repeat(16);
    expect((await loadPseudonymKey(keyFile)).length).toBe(32);
  });

  it('wins over the key file, which it does not create', async () => {
    process.env[KEY_ENV] = bytes(40);
    await loadPseudonymKey(keyFile);
    await expect(stat(keyFile)).rejects.toThrow(/ENOENT/);
  });
});

describe('the key file', () => {
  it.each([
    ['empty', ''],
    ['only a newline', '\n'],
    ['31 bytes and a newline', `${bytes(31)}\n`],
  ])('is refused when %s', async (_, content) => {
    await writeFile(keyFile, content, { mode: 0o600 });
    await expect(loadPseudonymKey(keyFile)).rejects.toThrow(/the pseudonym key in the file .*\.pseudonym-key (is empty|holds \d+ bytes?); it needs at least 32: restore the key/);
  });

  it('is read without its trailing newline (LF or CRLF)', async () => {
    await writeFile(keyFile, `${bytes(32)}\r\n`, { mode: 0o600 });
    expect((await loadPseudonymKey(keyFile)).toString()).toBe(bytes(32));
  });

  it.each(['0640', '0604', '0620', '0602', '0644'])('is refused with mode %s (group or others may read or write it)', async (mode) => {
    await writeFile(keyFile, `${bytes(64)}\n`);
    await chmod(keyFile, Number.parseInt(mode, 8));
    const message = await loadPseudonymKey(keyFile).catch((error: Error) => error.message);
    expect(message).toContain(`(mode ${mode}): run chmod 600 ${keyFile}`);
    expect(message).not.toContain(bytes(64));
  });

  it.each(['0600', '0400'])('is used with mode %s', async (mode) => {
    await writeFile(keyFile, `${bytes(64)}\n`);
    await chmod(keyFile, Number.parseInt(mode, 8));
    expect((await loadPseudonymKey(keyFile)).toString()).toBe(bytes(64));
  });

  it('is refused when it is a symbolic link to a key elsewhere', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await writeFile(elsewhere, `${bytes(64)}\n`, { mode: 0o600 });
    await symlink(elsewhere, keyFile);
    await expect(loadPseudonymKey(keyFile)).rejects.toThrow(/is a symbolic link/);
  });
});

describe('a new key', () => {
  it('is 64 hex characters in a file of mode 0600, reused next time, with nothing else left in the folder', async () => {
    const key = await loadPseudonymKey(keyFile);
    expect(key.toString()).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toBe(`${key.toString()}\n`);
    expect(await loadPseudonymKey(keyFile)).toEqual(key);
    expect(await readdir(join(dir, 'data'))).toEqual(['.pseudonym-key']);
  });

  it('is made in a folder that does not exist yet', async () => {
    const deeper = join(dir, 'new/folder/.pseudonym-key');
    expect((await loadPseudonymKey(deeper)).length).toBe(64);
  });

  it('leaves no key file, empty or partial, when the disk fills while it is written; the next run makes a whole one', async () => {
    const fullDisk: KeyWriter = async (file, text) => {
      await file.write(text.slice(0, 10));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(loadPseudonymKey(keyFile, { write: fullDisk })).rejects.toThrow(/ENOSPC/);
    expect(await readdir(join(dir, 'data'))).toEqual([]);
    const key = await loadPseudonymKey(keyFile);
    expect(await readFile(keyFile, 'utf8')).toBe(`${key.toString()}\n`);
  });

  it('killed (SIGKILL) halfway through writing a new key: no key file; the next run removes the partial copy and makes a whole key', async () => {
    const module = JSON.stringify(join(import.meta.dirname, '../../src/privacy/pseudonym.ts'));
    const code = `const { loadPseudonymKey } = await import(${module});
      await loadPseudonymKey(${JSON.stringify(keyFile)}, { write: async (file, text) => {
        await file.write(text.slice(0, 10));
        await file.sync();
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {});
      } });`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: join(import.meta.dirname, '../..'), env: withoutKeyEnv(), timeout: 20_000 });
    expect(child.signal).toBe('SIGKILL');
    const left = await readdir(join(dir, 'data'));
    expect(left).toEqual([expect.stringMatching(/^\.pseudonym-key\.\d+\.[0-9a-f]{8}\.tmp$/)]);
    const key = await loadPseudonymKey(keyFile);
    expect(await readdir(join(dir, 'data'))).toEqual(['.pseudonym-key']);
    expect(await readFile(keyFile, 'utf8')).toBe(`${key.toString()}\n`);
  });

  it('a temporary key file left by a killed process is removed; one of a process still making its key is kept', async () => {
    const dead = join(dir, 'data/.pseudonym-key.2147483646.0badc0de.tmp');
    const live = join(dir, `data/.pseudonym-key.${process.pid}.0badc0de.tmp`);
    await writeFile(dead, 'a3f1c9e2', { mode: 0o600 });
    await writeFile(live, 'a3f1c9e2', { mode: 0o600 });
    await loadPseudonymKey(keyFile);
    expect((await readdir(join(dir, 'data'))).sort()).toEqual(['.pseudonym-key', `.pseudonym-key.${process.pid}.0badc0de.tmp`].sort());
  });

  it('made by two callers at once is one key: the second reads the first', async () => {
    const [a, b] = await Promise.all([loadPseudonymKey(keyFile), loadPseudonymKey(keyFile)]);
    expect(a).toEqual(b);
    expect(await readdir(join(dir, 'data'))).toEqual(['.pseudonym-key']);
  });
});

it('a job refuses a weak key before it opens the warehouse, in one line that does not show the key', async () => {
  await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(CONFIG));
  await mkdir(join(dir, 'data/inbox'));
  const result = refloop(['ingest'], { cwd: dir, env: { [KEY_ENV]: 'short-secret-9' } });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/^refloop ingest failed: the pseudonym key in REFLOOP_PSEUDONYM_KEY holds 14 bytes; it needs at least 32: [^\n]*\n$/);
  expect(result.stderr).not.toContain('short-secret-9');
  expect(await readdir(join(dir, 'data'))).toEqual(['inbox']);
});
