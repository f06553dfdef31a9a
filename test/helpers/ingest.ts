// Test helper: write extract files into a fresh inbox, ingest them into a
// fresh warehouse, and hand back the warehouse to query.
import { workDirFor } from '../../src/ingest/work-dir.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ingestInbox, type IngestSummary } from '../../pipelines/ingest.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { RefloopConfig } from '../../src/config/schema.ts';
import { startRun } from '../../src/warehouse/runs.ts';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';

export const TEST_KEY = Buffer.from('test-pseudonym-key-of-at-least-32-bytes');

export const BASE_CONFIG = {
  timezone: 'America/New_York',
  service_lines: [
    { id: 'cardiology', name: 'Cardiology', required_documents: { consult: ['clinical_notes', 'insurance_card'] } },
    { id: 'imaging', name: 'Imaging', required_documents: { diagnostic: ['order'] } },
  ],
};

export interface Practice {
  dir: string;
  inbox: string;
  dbPath: string;
  config: RefloopConfig;
  /** Ingests the inbox as it is now, in a warehouse opened for this call only. */
  ingest(): Promise<IngestSummary>;
  /** Runs a query on a read-only warehouse. */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  write(name: string, content: string | Buffer): Promise<void>;
  cleanup(): Promise<void>;
}

export async function practice(config: object = BASE_CONFIG): Promise<Practice> {
  const dir = await mkdtemp(join(tmpdir(), 'refloop-test-'));
  const inbox = join(dir, 'inbox');
  const dbPath = join(dir, 'warehouse.duckdb');
  const parsed = parseConfig(config);
  const open = (readOnly = false) =>
    openWarehouse({ path: dbPath, timezone: parsed.timezone, readOnly, ...(readOnly ? {} : { pseudonymKey: TEST_KEY }) });
  return {
    dir,
    inbox,
    dbPath,
    config: parsed,
    async ingest() {
      const warehouse = await open();
      try {
        return await ingestInbox(warehouse, parsed, inbox, await startRun(warehouse, 'ingest'), { workDir: workDirFor(dbPath), settleSeconds: 0 });
      } finally {
        await warehouse.close();
      }
    },
    async query(sql) {
      const warehouse = await open(true);
      try {
        return await warehouse.query(sql);
      } finally {
        await warehouse.close();
      }
    },
    async write(name, content) {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(inbox, { recursive: true });
      const bytes = name.endsWith('.gz') && typeof content === 'string' ? gzipSync(content) : content;
      await writeFile(join(inbox, name), bytes);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A CSV from a header and rows, LF line ends. */
export const csv = (header: string, ...rows: string[]) => `${[header, ...rows].join('\n')}\n`;

export const REFERRAL_HEADER =
  'referral_id,received_at,patient_id,patient_name,patient_phone,patient_birth_date,patient_zip,patient_sex,referring_npi,referring_name,referring_practice,service_line,referral_type,urgency,channel,reason_code,payer_type,documents';

/** A referral row with sensible values; override any column by name. */
export function referralRow(overrides: Record<string, string> = {}): string {
  const row: Record<string, string> = {
    referral_id: 'R1',
    received_at: '2026-11-02 09:15',
    patient_id: 'MRN-000001',
    patient_name: 'Test Person',
    patient_phone: '555-010-0001',
    patient_birth_date: '1960-05-04',
    patient_zip: '02139',
    patient_sex: 'F',
    referring_npi: '1234567893',
    referring_name: 'Dr Example',
    referring_practice: 'Example Family Medicine',
    service_line: 'cardiology',
    referral_type: 'consult',
    urgency: 'routine',
    channel: 'fax',
    reason_code: 'I25.10',
    payer_type: 'medicare',
    documents: 'clinical_notes;insurance_card',
    ...overrides,
  };
  return REFERRAL_HEADER.split(',').map((c) => row[c] ?? '').join(',');
}
