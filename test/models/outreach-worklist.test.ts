// outreach_worklist: outreach_priorities arranged as the liaisons' worklist:
// grouped by liaison (alphabetically, 'unassigned' last), ranked within each
// group, the first five of a group shown and the rest counted.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseModel } from '../../src/models/model-file.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';

let w: Warehouse | undefined;
afterEach(async () => w?.close());

interface Action {
  rank: number;
  liaison: string | null;
  category?: string;
}

/** Builds the worklist model alone, over these outreach_priorities rows (a unit test of this model, not of the rules upstream). */
async function worklist(actions: Action[]): Promise<Record<string, unknown>[]> {
  const path = join(SQL_DIR, 'marts', 'outreach_worklist.sql');
  const model = parseModel(await readFile(path, 'utf8'), 'marts', path);
  w = await openWarehouse({ path: ':memory:', timezone: 'America/New_York' });
  await w.run("CREATE TABLE config_params AS SELECT TIMESTAMPTZ '2026-11-23 05:00:00+00' AS as_of, 7::BIGINT AS run_id");
  await w.run(`CREATE TABLE outreach_priorities (priority_rank BIGINT, source VARCHAR, npi VARCHAR, clinician VARCHAR, office VARCHAR, organization VARCHAR,
    specialty VARCHAR, relationship VARCHAR, liaison VARCHAR, category VARCHAR, reason VARCHAR, priority_score DOUBLE, visits_at_stake DOUBLE,
    confidence DOUBLE, referrals_last_year BIGINT, last_referral_at TIMESTAMPTZ)`);
  for (const a of actions) {
    await w.run(
      `INSERT INTO outreach_priorities VALUES (${a.rank}, 'S${a.rank}', 'S${a.rank}', 'Clinician ${a.rank}', 'Office', 'Org', 'fm', 'independent',
        ${a.liaison === null ? 'NULL' : `'${a.liaison}'`}, '${a.category ?? 'growth'}', 'why', ${100 - a.rank}, ${100 - a.rank}, 1, 3, NULL)`,
    );
  }
  await w.run(`CREATE TABLE outreach_worklist AS ${model.sql}`);
  return w.query('SELECT liaison, liaison_order::INTEGER AS o, rank_in_liaison::INTEGER AS r, is_shown, more_in_liaison_count::INTEGER AS more, priority_rank::INTEGER AS rank FROM outreach_worklist');
}

describe('outreach_worklist', () => {
  it('groups by liaison, alphabetically with unassigned last, and keeps the practice-wide order inside each group', async () => {
    // 'vera' sorts after 'unassigned': only the rule puts unassigned last.
    const rows = await worklist([
      { rank: 1, liaison: null },
      { rank: 2, liaison: 'vera' },
      { rank: 3, liaison: 'Amy' },
      { rank: 4, liaison: 'vera' },
      { rank: 5, liaison: null },
    ]);
    expect(rows.map((r) => [r.liaison, r.o, r.r, r.rank])).toEqual([
      ['Amy', 1, 1, 3],
      ['vera', 2, 1, 2],
      ['vera', 2, 2, 4],
      ['unassigned', 3, 1, 1],
      ['unassigned', 3, 2, 5],
    ]);
  });

  it('shows the first five of a group and counts the rest: five shows all, six hides one', async () => {
    const five = Array.from({ length: 5 }, (_, i) => ({ rank: 2 * i + 1, liaison: 'Amy' }));
    const six = Array.from({ length: 6 }, (_, i) => ({ rank: 2 * i + 2, liaison: 'Ben' }));
    const rows = await worklist([...five, ...six]);
    const amy = rows.filter((r) => r.liaison === 'Amy');
    const ben = rows.filter((r) => r.liaison === 'Ben');
    expect(amy.map((r) => r.is_shown)).toEqual([true, true, true, true, true]);
    expect(amy.every((r) => r.more === 0)).toBe(true);
    expect(ben.map((r) => r.is_shown)).toEqual([true, true, true, true, true, false]);
    expect(ben.every((r) => r.more === 1)).toBe(true);
    // The one hidden is Ben's lowest-ranked action, not an arbitrary one.
    expect(ben.find((r) => !r.is_shown)!.rank).toBe(12);
  });

  it('counts nothing beyond those shown in a group of fewer than five, and sums visits at stake by group and by category', async () => {
    // visits_at_stake is 100 − rank: Amy 99 + 97 (growth, dormant), Ben 98 (growth).
    await worklist([
      { rank: 1, liaison: 'Amy', category: 'growth' },
      { rank: 2, liaison: 'Ben', category: 'growth' },
      { rank: 3, liaison: 'Amy', category: 'dormant' },
    ]);
    expect(
      await w!.query(
        `SELECT liaison, category, more_in_liaison_count::INTEGER AS more, actions_in_liaison_count::INTEGER AS actions, visits_at_stake_in_liaison AS by_liaison,
                visits_at_stake_in_category AS by_category
         FROM outreach_worklist ORDER BY liaison_order, rank_in_liaison`,
      ),
    ).toEqual([
      { liaison: 'Amy', category: 'growth', more: 0, actions: 2, by_liaison: 99 + 97, by_category: 99 + 98 },
      { liaison: 'Amy', category: 'dormant', more: 0, actions: 2, by_liaison: 99 + 97, by_category: 97 },
      { liaison: 'Ben', category: 'growth', more: 0, actions: 1, by_liaison: 98, by_category: 99 + 98 },
    ]);
  });
});
