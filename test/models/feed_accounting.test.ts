// feed_accounting: each source and kind's files loaded, their records read,
// loaded, skipped and quarantined, whether every file adds up, and the
// latest arrival (a file, a delivery, or a re-delivery of content already
// loaded), with the re-deliveries counted apart.
import { afterEach, describe, expect, it } from 'vitest';
import { SQL_DIR } from '../../pipelines/transform.ts';
import { parseConfig } from '../../src/config/load.ts';
import { sqlString } from '../../src/contracts/value-sql.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG } from '../helpers/models.ts';

const buildWith = buildingOnly('feed_accounting');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const AS_OF = '2026-03-16 12:00';

interface File {
  source?: string;
  kind: string;
  file: string;
  at: string;
  read?: number;
  loaded?: number;
  skipped?: number;
  quarantined?: number;
  delivery?: string;
}
interface Redelivery {
  source?: string;
  kind: string;
  file: string;
  sameAs: string;
  at: string;
  sizeBytes: number | null;
}

const q = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : sqlString(v));

async function accounted(files: File[], redeliveries: Redelivery[] = []) {
  w = await buildWith({}, AS_OF);
  for (const [i, f] of files.entries()) {
    const read = f.read ?? 10;
    const loaded = f.loaded ?? read - (f.skipped ?? 0) - (f.quarantined ?? 0);
    await w.run(
      `INSERT INTO ingested_files (file, sha256, kind, rows_read, rows_loaded, rows_skipped, rows_quarantined, rows_emitted, ingested_at, size_bytes, run_id, source, delivery, delivery_sha256)
       VALUES (${q(f.file)}, ${q(`sha-${i}`)}, ${q(f.kind)}, ${read}, ${loaded}, ${f.skipped ?? 0}, ${f.quarantined ?? 0}, ${loaded}, refloop_parse_timestamp(${q(f.at)}), 100, 1,
               ${q(f.source ?? 'inbox')}, ${q(f.delivery ?? f.file)}, ${q(f.delivery ? `delivery-sha-${f.delivery}` : null)})`,
    );
  }
  for (const r of redeliveries) {
    await w.run(
      `INSERT INTO redeliveries (file, kind, same_as, kinds, source, delivery, size_bytes, arrived_at, run_id)
       VALUES (${q(r.file)}, ${q(r.kind)}, ${q(r.sameAs)}, [${q(r.kind)}], ${q(r.source ?? 'inbox')}, ${q(r.file)}, ${q(r.sizeBytes)}, refloop_parse_timestamp(${q(r.at)}), 1)`,
    );
  }
  const models = (await readModels(SQL_DIR)).filter((m) => m.name === 'feed_accounting');
  await buildModels(w, models, parseConfig(MODEL_CONFIG), await resolveAsOf(w, AS_OF), 2);
  return w.query<Record<string, unknown>>(
    `SELECT source, kind, files::INTEGER AS files, latest_file, strftime(last_loaded_at, '%Y-%m-%d %H:%M') AS last_loaded_at,
            rows_read::INTEGER AS rows_read, rows_loaded::INTEGER AS rows_loaded, rows_skipped::INTEGER AS rows_skipped,
            rows_quarantined::INTEGER AS rows_quarantined, is_accounted_for, redelivered_count::INTEGER AS redelivered_count, run_id::INTEGER AS run_id
     FROM feed_accounting ORDER BY source, kind`,
  );
}

describe('feed_accounting', () => {
  it('sums the records of each source and kind, and adds up only when every file does', async () => {
    const rows = await accounted([
      { kind: 'referrals', file: 'referrals_a.csv', at: '2026-03-10 08:00', read: 10, skipped: 2, quarantined: 1 },
      { kind: 'referrals', file: 'referrals_b.csv', at: '2026-03-11 08:00', read: 5 },
      // One record unaccounted for: read 7, loaded 6, none skipped or quarantined.
      { kind: 'visits', file: 'visits_a.csv', at: '2026-03-11 08:00', read: 7, loaded: 6 },
      // It is the file that must add up, not only the sums: +1 here and −1 there add up in total.
      { kind: 'appointments', file: 'appointments_a.csv', at: '2026-03-11 08:00', read: 4, loaded: 5 },
      { kind: 'appointments', file: 'appointments_b.csv', at: '2026-03-12 08:00', read: 4, loaded: 3 },
    ]);
    expect(rows).toEqual([
      { source: 'inbox', kind: 'appointments', files: 2, latest_file: 'appointments_b.csv', last_loaded_at: '2026-03-12 08:00', rows_read: 8, rows_loaded: 8, rows_skipped: 0, rows_quarantined: 0, is_accounted_for: false, redelivered_count: 0, run_id: 2 },
      { source: 'inbox', kind: 'referrals', files: 2, latest_file: 'referrals_b.csv', last_loaded_at: '2026-03-11 08:00', rows_read: 15, rows_loaded: 12, rows_skipped: 2, rows_quarantined: 1, is_accounted_for: true, redelivered_count: 0, run_id: 2 },
      { source: 'inbox', kind: 'visits', files: 1, latest_file: 'visits_a.csv', last_loaded_at: '2026-03-11 08:00', rows_read: 7, rows_loaded: 6, rows_skipped: 0, rows_quarantined: 0, is_accounted_for: false, redelivered_count: 0, run_id: 2 },
    ]);
  });

  it('takes the latest arrival, a re-delivery included, names a delivery by its delivery, and counts re-deliveries apart', async () => {
    const rows = await accounted(
      [
        { source: 'epic', kind: 'epic-ehi', file: 'epic/2026-03-08/REFERRAL.tsv', delivery: 'epic/2026-03-08', at: '2026-03-08 06:00' },
        { source: 'epic', kind: 'epic-ehi', file: 'epic/2026-03-08/PATIENT.tsv', delivery: 'epic/2026-03-08', at: '2026-03-08 06:00' },
        { kind: 'referrals', file: 'referrals_a.csv', at: '2026-03-10 08:00' },
        { kind: 'visits', file: 'visits_a.csv', at: '2026-03-10 08:00' },
        { kind: 'visits', file: 'visits_b.csv', at: '2026-03-10 08:00' },
      ],
      [
        // A delivery re-sent a week later (no size: a folder).
        { source: 'epic', kind: 'epic-ehi', file: 'epic/2026-03-15', sameAs: 'epic/2026-03-08', at: '2026-03-15 06:00', sizeBytes: null },
        // A file re-sent under a new name: the latest arrival, but it loads nothing.
        { kind: 'referrals', file: 'referrals_a_copy.csv', sameAs: 'referrals_a.csv', at: '2026-03-12 08:00', sizeBytes: 512 },
        // Re-sent a minute before the latest file: not the latest arrival.
        { kind: 'visits', file: 'visits_a_again.csv', sameAs: 'visits_a.csv', at: '2026-03-10 07:59', sizeBytes: 512 },
        // A kind with only a re-delivery and no file loaded has no row.
        { kind: 'capacity', file: 'capacity_copy.csv', sameAs: 'capacity.csv', at: '2026-03-12 08:00', sizeBytes: 512 },
      ],
    );
    expect(rows.map((r) => [r.source, r.kind, r.files, r.latest_file, r.last_loaded_at, r.redelivered_count])).toEqual([
      ['epic', 'epic-ehi', 2, 'delivery epic/2026-03-15 (same content as epic/2026-03-08)', '2026-03-15 06:00', 1],
      ['inbox', 'referrals', 1, 'referrals_a_copy.csv (same content as referrals_a.csv)', '2026-03-12 08:00', 1],
      // Two files at the same moment: the later name.
      ['inbox', 'visits', 2, 'visits_b.csv', '2026-03-10 08:00', 1],
    ]);
  });

  it('names a raw file of a delivery by its delivery when it is the latest arrival', async () => {
    const rows = await accounted([{ source: 'epic', kind: 'epic-ehi', file: 'epic/2026-03-08/REFERRAL.tsv', delivery: 'epic/2026-03-08', at: '2026-03-08 06:00' }]);
    expect(rows.map((r) => r.latest_file)).toEqual(['delivery epic/2026-03-08']);
  });
});
