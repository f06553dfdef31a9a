// `refloop status` while a job holds the warehouse: busy is its own exit
// status (3), so a monitor polling during a long ingest sees no failure.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { refloop } from '../helpers/cli.ts';
import { BASE_CONFIG, csv, REFERRAL_HEADER, referralRow } from '../helpers/ingest.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-busy-'));
  await mkdir(join(dir, 'data/inbox'), { recursive: true });
  await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(BASE_CONFIG));
  await writeFile(join(dir, 'data/inbox/referrals_1.csv'), csv(REFERRAL_HEADER, referralRow()));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('exits 3 with BUSY while a writer holds the warehouse, and 0 or 1 once it is free', async () => {
  expect(refloop(['run'], { cwd: dir }).code).toBe(0);
  // A process that holds the warehouse open for writing, as a running job does, until told to stop.
  const holder = spawn(
    process.execPath,
    ['-e', `const { DuckDBInstance } = require(${JSON.stringify(require.resolve('@duckdb/node-api'))}); DuckDBInstance.create(${JSON.stringify(join(dir, 'data/warehouse.duckdb'))}).then(() => { console.log('open'); setTimeout(() => {}, 30000); });`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    const busy = refloop(['status'], { cwd: dir });
    expect(busy.code).toBe(3);
    expect(busy.stdout).toMatch(/^BUSY: /);
  } finally {
    holder.kill();
    await new Promise((resolve) => holder.once('exit', resolve));
  }
  expect([0, 1]).toContain(refloop(['status'], { cwd: dir }).code);
});
