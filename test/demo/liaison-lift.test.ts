// The demo's outreach log, through the real ingest and models: the lift the
// demo plants on one liaison's visits is found by liaison_lift inside its 90%
// interval, and no lift is found where none was planted (the other
// liaison's visits, the calls, emails and lunches). The pinned demo
// (--end 2026-11-22, seed and size the defaults) is one fixed realization.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIFTED_LIAISON, UNLIFTED_LIAISON, type PlantedLiaisonTruth } from '../../src/demo/liaison.ts';
import { refloop } from '../helpers/cli.ts';

let dir: string;
let truth: PlantedLiaisonTruth;

interface Lift {
  activity_type: string;
  liaison: string;
  activities: number;
  touches: number;
  lift_per_week: number;
  lift_lower_90: number;
  lift_upper_90: number;
  is_lift_detected: boolean;
}
let lifts: Lift[];
const row = (type: string, liaison: string) => lifts.find((l) => l.activity_type === type && l.liaison === liaison)!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-liaison-lift-'));
  const demo = refloop(['demo', '--end', '2026-11-22'], { cwd: dir });
  expect(demo.code, demo.stderr).toBe(0);
  const run = refloop(['run', '--as-of', '2026-11-23'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  truth = JSON.parse(await readFile(join(dir, 'data', 'inbox', 'demo-truth.json'), 'utf8')).planted.liaison_lift;
  const result = refloop(
    ['sql', '--format', 'json', 'SELECT activity_type, liaison, activities::INTEGER AS activities, touches::INTEGER AS touches, lift_per_week, lift_lower_90, lift_upper_90, is_lift_detected FROM liaison_lift'],
    { cwd: dir },
  );
  expect(result.code, result.stderr).toBe(0);
  lifts = JSON.parse(result.stdout) as Lift[];
}, 300_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the demo practice’s planted lift', () => {
  it('plants visits with a lift for one liaison and without for another, and says how much', () => {
    expect(truth.lifted).toMatchObject({ liaison: LIFTED_LIAISON, type: 'visit', touches: 16 });
    expect(truth.lifted.expected_lift_per_week).toBeGreaterThan(0.5);
    expect(truth.not_lifted).toMatchObject({ liaison: UNLIFTED_LIAISON, touches: 16 });
  });

  it('recovers the planted lift inside the 90% interval of the lifted liaison’s visits', () => {
    const visits = row('visit', LIFTED_LIAISON);
    expect(visits.touches).toBe(truth.lifted.touches);
    expect(visits.lift_lower_90).toBeLessThan(truth.lifted.expected_lift_per_week);
    expect(visits.lift_upper_90).toBeGreaterThan(truth.lifted.expected_lift_per_week);
    expect(visits.is_lift_detected).toBe(true);
  });

  it('finds no lift where none was planted: the other liaison’s visits, and every call, email and lunch', () => {
    for (const [type, liaison] of [['visit', UNLIFTED_LIAISON], ['call', 'all'], ['email', 'all'], ['lunch', 'all']] as const) {
      const r = row(type, liaison);
      expect(r.touches, `${type} ${liaison}`).toBeGreaterThan(10);
      expect(r.lift_lower_90, `${type} ${liaison}`).toBeLessThan(0);
      expect(r.lift_upper_90, `${type} ${liaison}`).toBeGreaterThan(0);
      expect(r.is_lift_detected).toBe(false);
    }
  });

  it('loads every activity and stores none of their notes', () => {
    const loaded = refloop(['sql', '--format', 'json', "SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE liaison IS NOT NULL)::INTEGER AS named FROM liaison_activities"], { cwd: dir });
    const [counts] = JSON.parse(loaded.stdout) as { n: number; named: number }[];
    expect(counts!.n).toBe(truth.lifted.touches + truth.not_lifted.touches + truth.background.activities);
    const columns = refloop(['sql', '--format', 'json', "SELECT column_name FROM duckdb_columns() WHERE table_name = 'liaison_activities' AND column_name = 'note'"], { cwd: dir });
    expect(JSON.parse(columns.stdout)).toEqual([]);
  });
});
