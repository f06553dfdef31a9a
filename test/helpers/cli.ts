// Runs the real `refloop` bin as a user would.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/refloop.js');

/** `prefix` runs it under another command (`unshare -rn`: with no network). */
export function refloop(args: string[], options: { cwd: string; env?: Record<string, string>; prefix?: string[] }) {
  const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
  const result = spawnSync(command!, [...prefixArgs, BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, REFLOOP_LOG: 'text', REFLOOP_PSEUDONYM_KEY: 'cli-test-key-of-at-least-thirty-two-bytes', ...options.env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The rows of `refloop sql --format json` in a practice's folder; a failed query throws with refloop's reason. */
export function refloopRows<T>(cwd: string, query: string): T[] {
  const result = refloop(['sql', '--format', 'json', query], { cwd });
  if (result.code !== 0) throw new Error(`refloop sql failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T[];
}
