// Text logs show what a file name holds without letting it forge a line or
// drive the terminal, and a log stream that fails never stops a job.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatRows } from '../../src/cli/format.ts';
import { log, printable, progress, result } from '../../src/log.ts';

const LOG_MODULE = JSON.stringify(join(import.meta.dirname, '../../src/log.ts'));
/** A name an attacker could give a file in the inbox: a forged second line, then an escape sequence that clears the line. */
const CRAFTED = 'referrals_1.csv: loaded\nrefloop ingest: all 12 files loaded, 0 refused\x1b[2K\x1b]0;owned\x07';

describe('printable', () => {
  it.each([
    ['a newline', 'a\nb', 'a\\nb'],
    ['a carriage return', 'a\rb', 'a\\rb'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['ESC', 'a\x1b[31mb', 'a\\x1b[31mb'],
    ['NUL and DEL', 'a\0b\x7f', 'a\\x00b\\x7f'],
    ['a C1 control (CSI)', 'a\u009bb', 'a\\x9bb'],
    ['the Unicode line separator', 'a\u2028b', 'a\\u2028b'],
    ['a right-to-left override', 'cod\u202Evsc.exe', 'cod\\u202evsc.exe'],
  ])('escapes %s', (_, text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('leaves printable text, accents and symbols as they are', () => {
    expect(printable('référrals – 2026 “Q4” ✓ 受付.csv')).toBe('référrals – 2026 “Q4” ✓ 受付.csv');
  });
});

describe('a log line for a crafted file name', () => {
  let written: string[];
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.REFLOOP_LOG;
    written = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    if (saved === undefined) delete process.env.REFLOOP_LOG;
    else process.env.REFLOOP_LOG = saved;
  });

  it('in text mode is one line, the name escaped', () => {
    process.env.REFLOOP_LOG = 'text';
    log('ingest.refused', `${CRAFTED}: refused, nothing of it loaded`);
    expect(written).toEqual(['referrals_1.csv: loaded\\nrefloop ingest: all 12 files loaded, 0 refused\\x1b[2K\\x1b]0;owned\\x07: refused, nothing of it loaded\n']);
  });

  it('as a result line on stdout is one line too', () => {
    process.env.REFLOOP_LOG = 'text';
    result('ingest.summary', `ingest: 1 file refused: ${CRAFTED}`);
    expect(written).toHaveLength(1);
    expect(written[0]!.split('\n')).toEqual([expect.stringContaining('\\x1b]0;owned\\x07'), '']);
  });

  it('in JSON mode is one JSON line holding the name exactly', () => {
    process.env.REFLOOP_LOG = 'json';
    log('ingest.refused', `${CRAFTED}: refused`, { file: CRAFTED });
    expect(written).toHaveLength(1);
    expect(written[0]!.indexOf('\n')).toBe(written[0]!.length - 1);
    expect(written[0]).not.toContain('\x1b');
    const event = JSON.parse(written[0]!);
    expect(event.message).toBe(`${CRAFTED}: refused`);
    expect(event.file).toBe(CRAFTED);
  });

  it('as a progress line on a terminal keeps only refloop\'s own escape sequence', () => {
    process.env.REFLOOP_LOG = 'text';
    const tty = process.stderr.isTTY;
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      progress(`[1/2] ${CRAFTED}`);
    } finally {
      Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
    }
    expect(written).toEqual(['\r\x1b[2K[1/2] referrals_1.csv: loaded\\nrefloop ingest: all 12 files loaded, 0 refused\\x1b[2K\\x1b]0;owned\\x07']);
  });
});

it('a result table (refloop sql, status) shows a crafted value escaped, one row a line', () => {
  const table = formatRows(['file', 'rows'], [{ file: CRAFTED, rows: 3 }, { file: 'referrals_2.csv', rows: 4 }], 'table');
  const lines = table.split('\n');
  expect(lines).toHaveLength(6);
  expect(lines[2]).toBe('referrals_1.csv: loaded\\nrefloop ingest: all 12 files loaded, 0 refused\\x1b[2K\\x1b]0;owned\\x07  3');
  expect(lines[3]).toMatch(/^referrals_2\.csv +4$/);
  expect(table).not.toContain('\x1b');
});

describe('a log stream that fails', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** A job that logs 200 events, then prints its result; it stops itself after 20 s. */
  function job(mode: string, stderr: 'pipe' | number): ChildProcess {
    const code = `setTimeout(() => process.exit(99), 20_000).unref();
      const { log, result } = await import(${LOG_MODULE});
      await new Promise((done) => setTimeout(done, 200));
      for (let i = 0; i < 200; i++) {
        log('ingest.file', 'referrals_' + i + '.csv: loaded ' + 'x'.repeat(200));
        await new Promise((done) => setImmediate(done));
      }
      result('ingest.summary', 'ingest: 200 files loaded');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: join(import.meta.dirname, '../..'),
      env: { ...process.env, REFLOOP_LOG: mode },
      stdio: ['ignore', 'pipe', stderr],
    });
    children.push(child);
    return child;
  }

  async function outcome(child: ChildProcess) {
    let stdout = '';
    child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
    const [code] = await Promise.race([once(child, 'exit'), sleep(15_000).then(() => ['timed out'])]);
    return { code, stdout };
  }

  it.skipIf(!existsSync('/dev/full')).each(['text', 'json'])('disk full (ENOSPC, stderr on /dev/full) in %s mode: the job finishes, exit 0', async (mode) => {
    const full = openSync('/dev/full', 'w');
    try {
      const child = job(mode, full);
      expect(await outcome(child)).toEqual({ code: 0, stdout: 'ingest: 200 files loaded\n' });
    } finally {
      closeSync(full);
    }
  });

  it.each(['text', 'json'])('a closed pipe (EPIPE) in %s mode: the job finishes, exit 0', async (mode) => {
    const child = job(mode, 'pipe');
    child.stderr!.destroy();
    expect(await outcome(child)).toEqual({ code: 0, stdout: 'ingest: 200 files loaded\n' });
  });
});
