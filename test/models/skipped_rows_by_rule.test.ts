// skipped_rows_by_rule: the rows each rule skipped, summed over a source's
// files, and how many distinct files it skipped rows of.
import { afterEach, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG } from '../helpers/models.ts';

const buildWith = buildingOnly('skipped_rows_by_rule');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const AS_OF = '2026-03-16 12:00';

async function skipped(files: { source: string; kind: string; file: string }[], skips: { file: string; kind: string; rule: string; rows: number; run: number }[]) {
  w = await buildWith({}, AS_OF);
  for (const [i, f] of files.entries()) {
    await w.run(
      `INSERT INTO ingested_files (file, sha256, kind, source, ingested_at, rows_read, rows_loaded, rows_skipped, rows_quarantined)
       VALUES (${sqlString(f.file)}, ${sqlString(`sha-${i}`)}, ${sqlString(f.kind)}, ${sqlString(f.source)}, now(), 0, 0, 0, 0)`,
    );
  }
  for (const s of skips) {
    await w.run(`INSERT INTO skipped_rows (file, kind, rule, rows, run_id) VALUES (${sqlString(s.file)}, ${sqlString(s.kind)}, ${sqlString(s.rule)}, ${s.rows}, ${s.run})`);
  }
  const models = (await readModels(SQL_DIR)).filter((m) => m.name === 'skipped_rows_by_rule');
  await buildModels(w, models, parseConfig(MODEL_CONFIG), await resolveAsOf(w, AS_OF), 2);
  return w.query('SELECT source, rule, rows::INTEGER AS rows, files::INTEGER AS files, run_id::INTEGER AS run_id FROM skipped_rows_by_rule ORDER BY source, rule');
}

describe('skipped_rows_by_rule', () => {
  it('sums a rule over the source\'s files and counts each file once, per source', async () => {
    const rows = await skipped(
      [
        { source: 'epic', kind: 'epic-ehi', file: 'epic/d1/CLARITY_SER.tsv' },
        { source: 'epic', kind: 'epic-ehi', file: 'epic/d1/CLARITY_DEP.tsv' },
        { source: 'fhir', kind: 'fhir-r4', file: 'fhir/d1/Task.ndjson' },
        // The same file name read as two kinds: a skip belongs to the kind it was read as.
        { source: 'inbox', kind: 'referrals', file: 'shared.csv' },
        { source: 'other', kind: 'visits', file: 'shared.csv' },
      ],
      [
        { file: 'epic/d1/CLARITY_SER.tsv', kind: 'epic-ehi', rule: 'lookup', rows: 30, run: 1 },
        // The same file and rule again in a later run: its rows add, the file counts once.
        { file: 'epic/d1/CLARITY_SER.tsv', kind: 'epic-ehi', rule: 'lookup', rows: 5, run: 2 },
        { file: 'epic/d1/CLARITY_DEP.tsv', kind: 'epic-ehi', rule: 'lookup', rows: 7, run: 1 },
        { file: 'epic/d1/CLARITY_SER.tsv', kind: 'epic-ehi', rule: 'not a referrer', rows: 2, run: 1 },
        { file: 'fhir/d1/Task.ndjson', kind: 'fhir-r4', rule: 'lookup', rows: 4, run: 1 },
        { file: 'shared.csv', kind: 'referrals', rule: 'feed filter', rows: 3, run: 1 },
        // A skip of a file never loaded as that kind belongs to no source.
        { file: 'epic/d1/CLARITY_SER.tsv', kind: 'fhir-r4', rule: 'lookup', rows: 100, run: 1 },
      ],
    );
    expect(rows).toEqual([
      { source: 'epic', rule: 'lookup', rows: 42, files: 2, run_id: 2 },
      { source: 'epic', rule: 'not a referrer', rows: 2, files: 1, run_id: 2 },
      { source: 'fhir', rule: 'lookup', rows: 4, files: 1, run_id: 2 },
      { source: 'inbox', rule: 'feed filter', rows: 3, files: 1, run_id: 2 },
    ]);
  });
});
