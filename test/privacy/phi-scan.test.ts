// No PHI in the warehouse: names, phones, birth dates and MRNs of the
// fixtures must not appear in any text column, and MRNs become pseudonyms.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyFingerprint, loadPseudonymKey, pseudonym } from '../../src/privacy/pseudonym.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { csv, type Practice, practice, REFERRAL_HEADER, referralRow, TEST_KEY } from '../helpers/ingest.ts';

const PATIENTS = [
  { patient_id: 'MRN-448812', patient_name: 'Rosalind Okafor', patient_phone: '(617) 555-0142', patient_birth_date: '1948-02-29', patient_zip: '02139-4307' },
  { patient_id: 'MRN-907731', patient_name: 'Tobias Lindqvist', patient_phone: '617-555-0199', patient_birth_date: '2012-09-30', patient_zip: '03601' },
];

let p: Practice;
beforeEach(async () => (p = await practice()));
afterEach(() => p.cleanup());

async function writePracticeWithPhi() {
  await p.write(
    'referrals_1.csv',
    csv(
      REFERRAL_HEADER,
      referralRow({ referral_id: 'R1', ...PATIENTS[0] }),
      referralRow({ referral_id: 'R2', ...PATIENTS[1] }),
      // Quarantined records must not leak PHI either.
      referralRow({ referral_id: 'R3', ...PATIENTS[0], received_at: 'yesterday' }),
      referralRow({ referral_id: '', ...PATIENTS[1] }),
      `${referralRow({ referral_id: 'R5', ...PATIENTS[1] })},extra`,
    ),
  );
  await p.write('appointments_1.csv', csv('appointment_id,referral_id,patient_id,service_line,appointment_type,booked_at,start_at,status', `A1,R1,${PATIENTS[0]!.patient_id},cardiology,,2026-11-02 10:00,2026-11-20 09:30,booked`));
  await p.write('visits_1.csv', csv('visit_id,appointment_id,patient_id,service_line,visit_at,summary_sent_at', `V1,A1,${PATIENTS[0]!.patient_id},cardiology,2026-11-20 09:30,not-a-date`));
  await p.ingest();
}

describe('PHI never reaches the warehouse', () => {
  it('finds no name, phone, birth date, full ZIP or MRN in any text column of any table', async () => {
    await writePracticeWithPhi();
    const columns = await p.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND data_type IN ('VARCHAR', 'VARCHAR[]')",
    );
    expect(columns.length).toBeGreaterThan(30);
    const needles = PATIENTS.flatMap((x) => [x.patient_id, x.patient_name, x.patient_phone, x.patient_birth_date, x.patient_zip, x.patient_name.split(' ')[1]!, x.patient_phone.replace(/\D/g, '').slice(-7)]);
    for (const { table_name, column_name } of columns) {
      const text = `CAST("${column_name}" AS VARCHAR)`;
      const hits = await p.query(
        `SELECT ${text} AS v FROM "${table_name}" WHERE ${needles.map((n) => `contains(${text}, '${n}')`).join(' OR ')}`,
      );
      expect(hits, `${table_name}.${column_name}`).toEqual([]);
    }
  });

  it('keeps only a keyed pseudonym, the age band and ZIP3', async () => {
    await writePracticeWithPhi();
    expect(await p.query('SELECT referral_id, patient_key, age_band, patient_zip3 FROM referrals ORDER BY 1')).toEqual([
      // Born 1948-02-29, referred 2026-11-02: 78 completed years.
      { referral_id: 'R1', patient_key: pseudonym(TEST_KEY, 'MRN-448812'), age_band: '75-89', patient_zip3: '021' },
      // 036 is one of Safe Harbor's low-population prefixes.
      { referral_id: 'R2', patient_key: pseudonym(TEST_KEY, 'MRN-907731'), age_band: '0-17', patient_zip3: '000' },
    ]);
    // The same MRN maps to the same pseudonym in every extract.
    expect(await p.query('SELECT patient_key FROM appointments')).toEqual([{ patient_key: pseudonym(TEST_KEY, 'MRN-448812') }]);
  });

  it('withholds PHI values in quarantine', async () => {
    await writePracticeWithPhi();
    const rows = await p.query<{ column_name: string | null; value: string | null }>('SELECT column_name, value FROM quarantine ORDER BY line');
    expect(rows).toEqual([
      { column_name: 'received_at', value: 'yesterday' },
      { column_name: 'referral_id', value: null },
      { column_name: null, value: null },
    ]);
  });
});

describe('the pseudonym key', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'refloop-key-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is made once, readable only by its owner, and reused', async () => {
    const saved = process.env.REFLOOP_PSEUDONYM_KEY;
    delete process.env.REFLOOP_PSEUDONYM_KEY;
    try {
      const keyFile = join(dir, '.pseudonym-key');
      const first = await loadPseudonymKey(keyFile);
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      expect(await loadPseudonymKey(keyFile)).toEqual(first);
      expect((await readFile(keyFile, 'utf8')).trim()).toBe(first.toString());
    } finally {
      if (saved !== undefined) process.env.REFLOOP_PSEUDONYM_KEY = saved;
    }
  });

  it('must stay the same for a warehouse: another key is refused', async () => {
    const path = join(dir, 'w.duckdb');
    const first = await openWarehouse({ path, timezone: 'UTC', pseudonymKey: TEST_KEY });
    await first.close();
    await expect(openWarehouse({ path, timezone: 'UTC', pseudonymKey: Buffer.from('another key') })).rejects.toThrow(/pseudonym key differs/);
    expect(keyFingerprint(TEST_KEY)).not.toContain(TEST_KEY.toString());
  });

  it('computes in SQL exactly the HMAC-SHA256 Node computes, for short and long keys', async () => {
    for (const key of [TEST_KEY, Buffer.alloc(100, 7)]) {
      const warehouse = await openWarehouse({ path: ':memory:', timezone: 'UTC', pseudonymKey: key });
      try {
        const [row] = await warehouse.query<{ a: string; b: string }>("SELECT refloop_pseudonym('MRN-1') AS a, refloop_pseudonym('Zoë-✓') AS b");
        expect(row).toEqual({ a: pseudonym(key, 'MRN-1'), b: pseudonym(key, 'Zoë-✓') });
      } finally {
        await warehouse.close();
      }
    }
  });
});
