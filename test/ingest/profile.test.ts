// The ingest's profile (src/ingest/profile.ts; the bench prints it): with
// REFLOOP_PROFILE set, `refloop ingest` writes where its time went, phase by
// phase, once per batch or file as the phase is run, and nothing of the rows
// or the files' names.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/ingest/profile.ts';
import { refloop, refloopRows } from '../helpers/cli.ts';

let root: string;
let practice: string;
let profile: Profile;
let profileText: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-profile-'));
  practice = join(root, 'practice');
  mkdirSync(practice);
  const demo = refloop(['demo', '--referrals', '600', '--start', '2026-01-05', '--end', '2026-03-29'], { cwd: practice });
  expect(demo.code, demo.stderr).toBe(0);
  const path = join(root, 'profile.json');
  const ingest = refloop(['ingest'], { cwd: practice, env: { REFLOOP_PROFILE: path, REFLOOP_SETTLE_SECONDS: '0' } });
  expect(ingest.code, ingest.stderr).toBe(0);
  profileText = readFileSync(path, 'utf8');
  profile = JSON.parse(profileText) as Profile;
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

const phase = (name: string) => profile.phases.find((p) => p.phase === name);

describe('the ingest profile', () => {
  it('times each step once per batch and each scan once per file', () => {
    const files = refloopRows<{ kind: string; rows_read: number }>(practice, 'SELECT kind, rows_read FROM ingested_files');
    const batches = new Set(files.map((f) => f.kind)).size;
    // A batch whose files hold no records (the demo's liaison log is a header only) is accounted for and recorded without being read or landed.
    const withRecords = new Set(files.filter((f) => Number(f.rows_read) > 0).map((f) => f.kind)).size;
    expect(withRecords).toBeGreaterThan(3);
    expect(withRecords).toBe(batches - 1);
    expect(phase('scan: prepare files (Node)')?.count).toBe(files.length);
    for (const name of ['load: staging read_csv + checks', 'load: Parquet handoff (write)']) expect(phase(name)?.count, name).toBe(withRecords);
    expect(phase('load: transaction (land + commit)')?.count).toBe(batches);
    // The first batch of a kind inserts into its empty table; a later one merges.
    expect((phase('load: landing INSERT')?.count ?? 0) + (phase('load: landing MERGE')?.count ?? 0)).toBe(withRecords);
    expect(phase('start: process, modules, warehouse open')?.count).toBe(1);
    expect(phase('after the job: run record, checkpoint, close')?.count).toBe(1);
  });

  it('gives each phase a wall time within the process’s, and the staging process’s CPU beside its own', () => {
    for (const p of profile.phases) {
      expect(p.seconds, p.phase).toBeGreaterThanOrEqual(0);
      expect(p.seconds, p.phase).toBeLessThanOrEqual(profile.wallSeconds);
      expect(p.stagingCpuSeconds, p.phase).toBeLessThanOrEqual(p.cpuSeconds + 1e-9);
    }
    // Every raw row is read in the staging process: its CPU is counted.
    expect(phase('load: staging read_csv + checks')!.stagingCpuSeconds).toBeGreaterThan(0);
  });

  it('names no file of the inbox and holds no value of a row', () => {
    const inbox = join(practice, 'data/inbox');
    const names = readdirSync(inbox).filter((f) => f.endsWith('.csv'));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(profileText).not.toContain(name.replace(/\.csv$/, ''));
    const referrals = names.filter((n) => n.startsWith('referrals_'));
    const mrns = referrals.flatMap((n) => readFileSync(join(inbox, n), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[2]!));
    expect(mrns.length).toBeGreaterThan(100);
    for (const mrn of new Set(mrns)) expect(profileText).not.toContain(mrn);
  });
});
