// Deliveries of table adapters through the whole ingest: the funnel a small
// Epic delivery gives, against facts worked out by hand from its rows; a
// delivery loaded wholly or not at all, once, in delivery order; and every
// raw row accounted for.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { transform } from '../../pipelines/transform.ts';
import type { SourceAdapter } from '../../src/sources/adapter.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { csv, type Practice, practice, REFERRAL_HEADER, referralRow, TEST_KEY } from '../helpers/ingest.ts';
import { EPIC_FIXTURE_AS_OF, EPIC_FIXTURE_CONFIG, writeEpicDelivery } from './fixtures/epic-delivery.ts';

let p: Practice;
afterEach(() => p?.cleanup());

async function funnel(pr: Practice) {
  const w = await openWarehouse({ path: pr.dbPath, timezone: pr.config.timezone, pseudonymKey: TEST_KEY });
  try {
    await transform(w, pr.config, { asOf: EPIC_FIXTURE_AS_OF, runId: 99, snapshotDir: join(pr.dir, 'published') });
    return await w.query<Record<string, unknown>>(
      `SELECT referral_id, epoch(received_at)::BIGINT AS received_epoch, service_line, in_scope, declined,
              first_contact_at IS NOT NULL AS contacted, is_scheduled AS scheduled, completed_visit_at IS NOT NULL AS completed,
              loop_closed_at IS NOT NULL AS summary_sent
       FROM fct_referrals ORDER BY referral_id`,
    );
  } finally {
    await w.close();
  }
}

describe('an Epic delivery through the ingest', () => {
  it('gives the funnel worked out by hand from its rows', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    const facts = await writeEpicDelivery(join(p.inbox, 'epic', '2026-11-30'));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(summary.deliveriesLoaded).toBe(1);
    const expected = facts
      .filter((f) => !f.quarantined)
      .map((f) => ({
        referral_id: f.referralId,
        received_epoch: Date.parse(f.receivedInstant) / 1000,
        service_line: f.serviceLine,
        in_scope: f.inScope,
        declined: f.declined,
        contacted: f.contacted,
        scheduled: f.scheduled,
        completed: f.completed,
        summary_sent: f.summarySent,
      }));
    const got = (await funnel(p)).map((r) => ({ ...r, received_epoch: Number(r.received_epoch) }));
    expect(got).toEqual(expected);
    // The quarantined referral names its raw file and line.
    const quarantined = facts.filter((f) => f.quarantined).map((f) => f.referralId);
    expect(quarantined.length).toBeGreaterThan(0);
    const rows = await p.query<{ file: string; line: number; kind: string }>("SELECT file, line, kind FROM quarantine WHERE kind = 'referrals'");
    expect(rows.map((r) => r.file)).toEqual(quarantined.map(() => 'epic/2026-11-30/REFERRAL.tsv'));
  });

  it('accounts for every raw row of every table: read = loaded + skipped + quarantined', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    await writeEpicDelivery(join(p.inbox, 'epic', '2026-11-30'));
    await p.ingest();
    const files = await p.query<{ file: string; kind: string; read: number; loaded: number; skipped: number; quarantined: number }>(
      `SELECT file, kind, rows_read::INTEGER AS read, rows_loaded::INTEGER AS loaded, rows_skipped::INTEGER AS skipped, rows_quarantined::INTEGER AS quarantined FROM ingested_files ORDER BY file`,
    );
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      expect(f.kind).toBe('epic-ehi');
      expect(f.file.startsWith('epic/2026-11-30/')).toBe(true);
      expect(f.loaded + f.skipped + f.quarantined).toBe(f.read);
    }
    const [delivery] = await p.query<{ files: number; rows_read: number }>('SELECT files::INTEGER AS files, rows_read::INTEGER AS rows_read FROM deliveries');
    expect(delivery).toEqual({ files: files.length, rows_read: files.reduce((n, f) => n + f.read, 0) });
    // Every landed row names where it came from.
    const lineage = await p.query<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM referrals WHERE source_name <> 'epic' OR source_delivery <> '2026-11-30' OR source_file <> 'epic/2026-11-30/REFERRAL.tsv' OR source_line < 2",
    );
    expect(lineage).toEqual([{ n: 0 }]);
  });

  it('loads a delivery once, and a later delivery’s rows win over an earlier one’s, whatever order they arrive in', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    const later = join(p.inbox, 'epic', '2026-12-01');
    await writeEpicDelivery(later);
    // The later delivery renames a referring clinician.
    const source = join(later, 'REFERRAL_SOURCE.tsv');
    const { readFile } = await import('node:fs/promises');
    const text = (await readFile(source)).toString('latin1');
    await writeFile(source, Buffer.from(text.replace('Lindqvist, Per DO', 'Renamed Clinician'), 'latin1'));
    await p.ingest();
    await writeEpicDelivery(join(p.inbox, 'epic', '2026-11-30'));
    const second = await p.ingest();
    expect(second.deliveriesLoaded).toBe(1);
    expect(second.filesAlreadyLoaded).toBe(1);
    const names = await p.query<{ name: string; source_delivery: string }>("SELECT name, source_delivery FROM providers WHERE name = 'Renamed Clinician'");
    expect(names).toEqual([{ name: 'Renamed Clinician', source_delivery: '2026-12-01' }]);
    const third = await p.ingest();
    expect(third.deliveriesLoaded).toBe(0);
  });

  it('waits for a delivery still being written, and says so', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    const dir = join(p.inbox, 'epic', '2026-11-30');
    await writeEpicDelivery(dir);
    const { ingestInbox } = await import('../../pipelines/ingest.ts');
    const { startRun } = await import('../../src/warehouse/runs.ts');
    const w = await openWarehouse({ path: p.dbPath, timezone: p.config.timezone, pseudonymKey: TEST_KEY });
    try {
      const summary = await ingestInbox(w, p.config, p.inbox, await startRun(w, 'ingest'), { workDir: join(p.dir, '.work'), settleSeconds: 60 });
      expect(summary.waiting).toEqual(['epic/2026-11-30']);
      expect(summary.deliveriesLoaded).toBe(0);
      // Set back two minutes, it is settled.
      const past = new Date(Date.now() - 120_000);
      const { readdir } = await import('node:fs/promises');
      for (const f of await readdir(dir)) await utimes(join(dir, f), past, past);
      const next = await ingestInbox(w, p.config, p.inbox, await startRun(w, 'ingest'), { workDir: join(p.dir, '.work'), settleSeconds: 60 });
      expect(next.deliveriesLoaded).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('refuses a delivery whose adapter fails part-way, or loses a row, and loads nothing of it', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    const dir = join(p.inbox, 'epic', '2026-11-30');
    await writeEpicDelivery(dir);
    const { loadDelivery } = await import('../../src/ingest/load-delivery.ts');
    const { epicEhiAdapter } = await import('../../src/sources/epic-ehi/index.ts');
    const { startRun } = await import('../../src/warehouse/runs.ts');
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(dir)).sort().map((name) => ({ name, path: join(dir, name), sizeBytes: 1 }));
    const unit = (adapter: SourceAdapter) => ({
      source: p.config.sources![0]!,
      position: 0,
      adapter,
      delivery: { name: '2026-11-30', dir, files },
      label: 'epic/2026-11-30',
      newestMs: 0,
    });
    const failing: SourceAdapter = {
      ...epicEhiAdapter,
      async read(delivery, context, output) {
        await epicEhiAdapter.read(delivery, context, output);
        throw new Error('the export ended early');
      },
    };
    const losing: SourceAdapter = {
      ...epicEhiAdapter,
      async read(delivery, context, output) {
        await epicEhiAdapter.read(delivery, context, output);
        output.read('REFERRAL.tsv', 1000);
      },
    };
    const w = await openWarehouse({ path: p.dbPath, timezone: p.config.timezone, pseudonymKey: TEST_KEY });
    try {
      const run = await startRun(w, 'ingest');
      const options = { workDir: join(p.dir, '.work'), known: new Map<string, string>(), onProgress: () => {} };
      await expect(loadDelivery(w, p.config, unit(failing), run, options)).rejects.toThrow('the export ended early');
      const lost = await loadDelivery(w, p.config, unit(losing), run, options);
      expect(lost).toMatchObject({ status: 'refused', reason: expect.stringMatching(/accounted for \d+ of the 1000 rows of REFERRAL.tsv/) });
      for (const table of ['referrals', 'referral_events', 'appointments', 'visits', 'providers', 'ingested_files', 'deliveries', 'quarantine', 'skipped_rows']) {
        expect(await w.query(`SELECT count(*)::INTEGER AS n FROM ${table}`)).toEqual([{ n: 0 }]);
      }
      // Nothing of it is left in the private work folder either.
      expect(await readdir(join(p.dir, '.work')).catch(() => [])).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

const NPPES_SAMPLE = join(import.meta.dirname, '../../../shared/reference/real/nppes-sample/npidata_1063947125.csv');

describe('an NPPES delivery through the ingest', () => {
  it.skipIf(!existsSync(NPPES_SAMPLE))('adds the directory entry of a referrer the referrals name, from the real NPPES file shape (skipped: the public NPPES sample is not beside the checkout)', async () => {
    p = await practice({ ...EPIC_FIXTURE_CONFIG, sources: [{ name: 'inbox', adapter: 'csv', path: '.' }, { name: 'npi', adapter: 'nppes', path: 'nppes' }] });
    await p.write('referrals_1.csv', csv(REFERRAL_HEADER, referralRow({ referring_npi: '1063947125', referring_name: '', referring_practice: '' })));
    await mkdir(join(p.inbox, 'nppes', '2026-11'), { recursive: true });
    await copyFile(NPPES_SAMPLE, join(p.inbox, 'nppes', '2026-11', 'npidata_pfile_20050523-20261109.csv'));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(await p.query('SELECT provider_key, npi, name, zip, source_name, source_line FROM providers')).toEqual([
      { provider_key: '1063947125', npi: '1063947125', name: 'LOVETTSVILLE DENTAL ARTS', zip: '20180', source_name: 'npi', source_line: 2 },
    ]);
    expect(await p.query("SELECT rows_read::INTEGER AS read, rows_loaded::INTEGER AS loaded FROM ingested_files WHERE kind = 'nppes'")).toEqual([{ read: 1, loaded: 1 }]);
  });
});

describe('a FHIR delivery through the ingest', () => {
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(String(v)).toISOString());

  it('gives the funnel worked out by hand from its resources', async () => {
    const { FHIR_CONFIG, writeFhirDelivery } = await import('./fixtures/fhir-delivery.ts');
    p = await practice(FHIR_CONFIG);
    const { expected } = await writeFhirDelivery(join(p.inbox, 'fhir', '2017-04-30'));
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    const w = await openWarehouse({ path: p.dbPath, timezone: p.config.timezone, pseudonymKey: TEST_KEY });
    try {
      await transform(w, p.config, { asOf: '2017-06-01', runId: 99, snapshotDir: join(p.dir, 'published') });
      const rows = await w.query<Record<string, unknown>>(
        `SELECT referral_id, service_line, received_at::VARCHAR AS received, first_contact_at::VARCHAR AS contacted, is_scheduled AS scheduled,
                completed_visit_at::VARCHAR AS completed, loop_closed_at::VARCHAR AS loop_closed, decline_reason
         FROM fct_referrals ORDER BY referral_id`,
      );
      const documents = await w.query<{ referral_id: string; documents: string[] }>('SELECT referral_id, documents FROM referrals ORDER BY referral_id');
      const cancelled = await w.query<{ referral_id: string }>("SELECT DISTINCT referral_id FROM referral_events WHERE event_type = 'cancelled'");
      expect(
        rows.map((r) => ({
          referral_id: r.referral_id,
          service_line: r.service_line,
          received: iso(r.received),
          contacted: iso(r.contacted),
          scheduled: r.scheduled,
          completed: iso(r.completed),
          loop_closed: iso(r.loop_closed),
          documents: [...(documents.find((d) => d.referral_id === r.referral_id)?.documents ?? [])].sort(),
          declined: r.decline_reason ?? null,
          cancelled: cancelled.some((c) => c.referral_id === r.referral_id),
        })),
      ).toEqual(
        [...expected]
          .sort((a, b) => (a.referral_id < b.referral_id ? -1 : 1))
          .map((e) => ({ ...e, received: iso(e.received), contacted: iso(e.contacted), completed: iso(e.completed), loop_closed: iso(e.loop_closed), documents: [...e.documents].sort() })),
      );
    } finally {
      await w.close();
    }
  });

  const REAL = join(import.meta.dirname, '../../../shared/reference/real');
  it.skipIf(!existsSync(REAL))('loads the public FHIR samples (R4 specification examples, Synthea bulk export) with every resource accounted for (skipped: the public samples are not beside the checkout)', async () => {
    p = await practice({
      timezone: 'America/New_York',
      service_lines: [{ id: 'primary_care', name: 'Primary care', aliases: ['185349003', '162673000'] }],
      sources: [{ name: 'fhir', adapter: 'fhir-r4', path: 'fhir' }],
    });
    const { cp } = await import('node:fs/promises');
    await cp(join(REAL, 'fhir-r4-examples'), join(p.inbox, 'fhir', '2024-01-01-examples'), { recursive: true });
    await cp(join(REAL, 'synthea-bulk-fhir'), join(p.inbox, 'fhir', '2024-01-02-synthea'), { recursive: true });
    const summary = await p.ingest();
    expect(summary.refused).toEqual([]);
    expect(summary.deliveriesLoaded).toBe(2);
    const files = await p.query<{ file: string; read: number; accounted: number }>(
      'SELECT file, rows_read::INTEGER AS read, (rows_loaded + rows_skipped + rows_quarantined)::INTEGER AS accounted FROM ingested_files ORDER BY file',
    );
    expect(files.length).toBe(66);
    for (const f of files) expect(f.accounted, f.file).toBe(f.read);
    // Synthea's finished encounters are visits; its practitioners, with NPIs, the directory.
    const [visits] = await p.query<{ n: number }>("SELECT count(*)::INTEGER AS n FROM visits WHERE source_delivery = '2024-01-02-synthea'");
    expect(visits!.n).toBeGreaterThan(1000);
    const [providers] = await p.query<{ n: number; with_npi: number }>('SELECT count(*)::INTEGER AS n, count(npi)::INTEGER AS with_npi FROM providers');
    expect(providers!.with_npi).toBeGreaterThan(0);
    expect(await p.query("SELECT count(*)::INTEGER AS n FROM referrals WHERE source_delivery = '2024-01-01-examples'")).not.toEqual([{ n: 0 }]);
  });
});

describe('deliveries as they arrive', () => {
  it('loads the same delivery once when it lies in two folders of one run', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    await writeEpicDelivery(join(p.inbox, 'epic', '2026-11-30'));
    await writeEpicDelivery(join(p.inbox, 'epic', '2026-11-30-again'));
    const summary = await p.ingest();
    expect(summary.deliveriesLoaded).toBe(1);
    expect(summary.filesAlreadyLoaded).toBe(1);
    expect(await p.query('SELECT count(*)::INTEGER AS n FROM deliveries')).toEqual([{ n: 1 }]);
  });

  it('waits while a file it does not read is still arriving (a table under a temporary name)', async () => {
    p = await practice(EPIC_FIXTURE_CONFIG);
    const dir = join(p.inbox, 'epic', '2026-11-30');
    await writeEpicDelivery(dir);
    const { readdir } = await import('node:fs/promises');
    const past = new Date(Date.now() - 120_000);
    for (const f of await readdir(dir)) await utimes(join(dir, f), past, past);
    await writeFile(join(dir, 'PAT_ENC.tsv.filepart'), 'PAT_ID\tPAT_ENC_CSN_ID\n');
    const { ingestInbox } = await import('../../pipelines/ingest.ts');
    const { startRun } = await import('../../src/warehouse/runs.ts');
    const w = await openWarehouse({ path: p.dbPath, timezone: p.config.timezone, pseudonymKey: TEST_KEY });
    try {
      const summary = await ingestInbox(w, p.config, p.inbox, await startRun(w, 'ingest'), { workDir: join(p.dir, '.work'), settleSeconds: 60 });
      expect(summary.waiting).toEqual(['epic/2026-11-30']);
    } finally {
      await w.close();
    }
  });
});
