// Fixtures for the security tests: a real warehouse file with marts built by
// the real models, a key of proper strength, and an inbox holding a synthetic
// patient's raw row (a canary that must never come out of `refloop sql`).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { buildModels } from '../../src/models/build.ts';
import { resolveAsOf } from '../../src/models/config-tables.ts';
import { readModels } from '../../src/models/model-file.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';

const SQL_DIR = join(import.meta.dirname, '../../sql');

export const CONFIG = {
  timezone: 'America/New_York',
  service_lines: [{ id: 'cardiology', name: 'Cardiology', required_documents: { consult: ['clinical_notes', 'insurance_card'] } }],
};

/** 64 hex characters, like the key refloop makes. */
export const STRONG_KEY = 'a3f1c9e27b4d8065f2a1c3e5d7b9f0a2c4e6d8f0a1b3c5d7e9f1a3c5e7d9b1f3';
export const CANARY_MRN = 'MRN-CANARY-7731';
export const CANARY_PHONE = '555-019-7731';

export interface Site {
  dir: string;
  dbPath: string;
  inbox: string;
  keyPath: string;
}

/** A practice folder laid out as `refloop` expects it, with built marts. */
export async function practiceWithMarts(): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'refloop-security-'));
  const dbPath = join(dir, 'data/warehouse.duckdb');
  const inbox = join(dir, 'data/inbox');
  const keyPath = join(dir, 'data/.pseudonym-key');
  await mkdir(inbox, { recursive: true });
  await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(CONFIG));
  await writeFile(keyPath, `${STRONG_KEY}\n`, { mode: 0o600 });
  await writeFile(
    join(inbox, 'referrals_2026-11.csv'),
    `referral_id,received_at,patient_id,patient_name,patient_phone\nR1,2026-11-02 09:15,${CANARY_MRN},Canary Person,${CANARY_PHONE}\n`,
  );
  const config = parseConfig(CONFIG);
  const warehouse = await openWarehouse({ path: dbPath, timezone: config.timezone, pseudonymKey: Buffer.from(STRONG_KEY) });
  try {
    // Two referrals received either side of the 2026 change to summer time
    // in New York (2026-03-08 02:00 local = 07:00 UTC).
    await warehouse.run(`
      INSERT INTO referrals (referral_id, received_at, patient_key, service_line, referral_type, urgency, documents, has_invalid_referring_npi, source_file)
      VALUES ('R1', TIMESTAMPTZ '2026-03-08 06:59:59+00', 'P1', 'cardiology', 'consult', 'routine', ['clinical_notes', 'insurance_card'], false, 'referrals_test.csv'),
             ('R2', TIMESTAMPTZ '2026-03-08 07:30:00+00', 'P2', 'cardiology', 'consult', 'routine', ['clinical_notes'], false, 'referrals_test.csv')`);
    await buildModels(warehouse, await readModels(SQL_DIR), config, await resolveAsOf(warehouse, '2026-12-01'), 1);
  } finally {
    await warehouse.close();
  }
  return { dir, dbPath, inbox, keyPath };
}
