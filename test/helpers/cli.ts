// Runs the real `refloop` bin as a user would.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../bin/refloop.js');

export function refloop(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, REFLOOP_LOG: 'text', REFLOOP_PSEUDONYM_KEY: 'cli-test-key-of-at-least-thirty-two-bytes', ...options.env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
