// What a referrer statement counts, on fixture marts: one office's own
// referrals of the period only (the boundary days), the period before and
// last year, the SLA over the referrals due, the open ones by the stage they
// wait in, the documents most often missing, and the filters.
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/statements/period.ts';
import { readStatements, type Statement } from '../../src/statements/read.ts';
import type { Query } from '../../src/site/loader.ts';

let close: () => void;
let query: Query;

interface Referral {
  id: string;
  source: string;
  at: string;
  in_scope?: boolean;
  declined?: boolean;
  reason?: string;
  line?: string;
  sla?: boolean | null;
  days?: number | null;
  docs_complete?: boolean;
  contacted?: boolean;
  scheduled?: boolean;
  visit?: string | null;
  summary?: string | null;
  leaked?: boolean | null;
}

const sql = (v: string | number | boolean | null | undefined) => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));
const row = (r: Referral) =>
  `(${[r.id, r.source, r.at, r.in_scope ?? true, r.declined ?? false, r.reason, r.line ?? 'cardiology', r.sla === undefined ? true : r.sla, r.days === undefined ? 10 : r.days, r.docs_complete ?? true, r.docs_complete ?? true, r.contacted ?? true, r.scheduled ?? true, r.visit === undefined ? `${r.at.slice(0, 10)} 12:00` : r.visit, r.summary === undefined ? null : r.summary, r.leaked === undefined ? false : r.leaked].map(sql).join(', ')})`;

const A = '1000000001';
const B = '1000000002';
const C = '1000000003';
const D = '1000000004';

const REFERRALS: Referral[] = [
  // Office Elm (clinicians A and B) in Q4 2026: the first and the last day count; 1 Jan 2027 does not.
  { id: 'e1', source: A, at: '2026-10-01 00:00', summary: '2026-10-04 12:00' },
  { id: 'e2', source: A, at: '2026-12-31 23:59', sla: false, days: 20 },
  { id: 'e3', source: B, at: '2026-11-10 09:00', sla: null, visit: null, contacted: false, scheduled: false },
  { id: 'e4', source: B, at: '2026-11-11 09:00', visit: null, docs_complete: false },
  { id: 'e5', source: B, at: '2026-11-12 09:00', visit: null },
  { id: 'e6', source: A, at: '2026-11-13 09:00', in_scope: false, line: 'sleep_medicine', sla: null, days: null, visit: null },
  { id: 'e7', source: A, at: '2026-11-14 09:00', declined: true, reason: 'insurance', sla: null, days: null, visit: null },
  { id: 'e8', source: B, at: '2026-11-15 09:00', visit: null, leaked: true },
  { id: 'late', source: A, at: '2027-01-01 00:00' },
  // The period before (Q3) and the same period last year (Q4 2025).
  { id: 'p1', source: A, at: '2026-09-30 23:59' },
  { id: 'p2', source: B, at: '2026-07-01 00:00' },
  { id: 'y1', source: A, at: '2025-10-15 10:00' },
  // Office Oak (clinician C): its own statement.
  { id: 'o1', source: C, at: '2026-10-20 10:00' },
  // A clinician with no office on record: no statement, unless asked for by NPI.
  { id: 'd1', source: D, at: '2026-10-21 10:00' },
  // An unknown source: no office to write to.
  { id: 'u1', source: 'unknown', at: '2026-10-20 10:00' },
];

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  await connection.run("SET TimeZone = 'America/New_York'");
  for (const statement of [
    `CREATE TABLE fct_referrals (referral_id VARCHAR, source VARCHAR, received_at TIMESTAMPTZ, in_scope BOOLEAN, declined BOOLEAN, decline_reason VARCHAR, service_line VARCHAR,
       contact_sla_met BOOLEAN, days_to_appointment INTEGER, docs_complete_at_receipt BOOLEAN, is_docs_complete BOOLEAN, is_contacted BOOLEAN, is_scheduled BOOLEAN,
       completed_visit_at TIMESTAMPTZ, loop_closed_at TIMESTAMPTZ, leaked BOOLEAN)`,
    `INSERT INTO fct_referrals VALUES ${REFERRALS.map(row).join(', ')}`,
    'CREATE TABLE referrers (source VARCHAR, npi VARCHAR, name VARCHAR, office VARCHAR, organization VARCHAR, liaison VARCHAR)',
    `INSERT INTO referrers VALUES ('${A}', '${A}', 'Ana Ames', 'Elm Street', 'Harbor Health', 'Dana'), ('${B}', '${B}', 'Ben Bell', 'Elm Street', 'Harbor Health', 'Marcus'),
       ('${C}', '${C}', 'Cy Cole', 'Oak Clinic', NULL, NULL), ('${D}', '${D}', 'Di Dunn', NULL, NULL, NULL), ('unknown', NULL, 'No valid NPI', NULL, NULL, NULL)`,
    'CREATE TABLE fct_referral_documents (referral_id VARCHAR, document_type VARCHAR, is_present_at_receipt BOOLEAN)',
    "INSERT INTO fct_referral_documents VALUES ('e4', 'clinical_notes', false), ('e4', 'insurance_card', false), ('e5', 'insurance_card', false), ('e5', 'clinical_notes', true), ('p1', 'clinical_notes', false)",
    'CREATE TABLE reference_benchmarks (service_line VARCHAR, metric VARCHAR, reference VARCHAR, value DOUBLE, label VARCHAR, is_current BOOLEAN)',
    "INSERT INTO reference_benchmarks VALUES ('cardiology', 'median_days_to_appointment', 'amn_merritt_hawkins_wait_times', 33, 'AMN 2025: 33 days (cardiology)', true), ('all', 'median_days_to_appointment', 'amn_merritt_hawkins_wait_times', 31, 'AMN 2025: 31 days (all)', true)",
  ])
    await connection.run(statement);
  query = async (text) => (await connection.runAndReadAll(text)).getRowObjectsJson() as never;
});
afterAll(() => close?.());

const Q4 = parsePeriod({ period: '2026-Q4' });
const elm = async () => (await readStatements(query, Q4, {})).find((s) => s.office === 'Elm Street')!;

describe('a referrer statement', () => {
  it('is written for every office with referrals in the period, never for the unknown source or a clinician with no office', async () => {
    const statements = await readStatements(query, Q4, {});
    expect(statements.map((s) => [s.office, s.organization])).toEqual([
      ['Elm Street', 'Harbor Health'],
      ['Oak Clinic', null],
    ]);
    expect(statements[0]!.liaisons).toEqual(['Dana', 'Marcus']);
  });

  it('counts the period to its last day, and the period before and last year to theirs', async () => {
    expect(await elm()).toMatchObject({ referrals: 8, previous_referrals: 2, last_year_referrals: 1, in_scope: 7 });
  });

  it('gives the SLA over the referrals whose time had come, and the share seen of those accepted', async () => {
    const s = await elm();
    // Due: e1, e2, e4, e5, e8 (e3 not yet due; e6 out of scope, e7 declined). Met: all but e2.
    expect([s.sla_met, s.sla_due]).toEqual([4, 5]);
    // Accepted: in scope and not declined (e1–e5, e8); seen: e1, e2.
    expect([s.seen, s.accepted]).toEqual([2, 6]);
    // e1 was seen at noon on its day of receipt and its summary went back three days later.
    expect([s.summaries_sent, s.median_days_to_summary]).toEqual([1, 3]);
    expect(s.median_days_to_appointment).toBe(10);
  });

  it('lists the open referrals by the stage they wait in, leaving out the seen, the declined and the leaked', async () => {
    expect((await elm()).open).toEqual([
      { stage: 'not yet contacted', referrals: 1 },
      { stage: 'scheduled, visit to come', referrals: 1 },
      { stage: 'waiting for documents', referrals: 1 },
    ]);
  });

  it('names the documents most often missing from this period’s packets, what was declined and why, and what we do not offer', async () => {
    const s = await elm();
    expect(s.incomplete_at_receipt).toBe(1);
    expect(s.missing_documents).toEqual([
      { document_type: 'insurance_card', referrals: 2 },
      { document_type: 'clinical_notes', referrals: 1 },
    ]);
    expect(s.declined).toEqual([{ reason: 'insurance', referrals: 1 }]);
    expect(s.not_offered).toEqual([{ service_line: 'sleep_medicine', referrals: 1 }]);
    expect(s.lines).toEqual([{ service_line: 'cardiology', referrals: 7, median_days_to_appointment: 10, benchmark_days: 33, benchmark_label: 'AMN 2025: 33 days (cardiology)' }]);
  });

  it('writes one office with --office, and one clinician’s own referrals with --referrer', async () => {
    expect((await readStatements(query, Q4, { office: 'Oak Clinic' })).map((s) => [s.office, s.referrals])).toEqual([['Oak Clinic', 1]]);
    const own = await readStatements(query, Q4, { referrer: B });
    expect(own.map((s: Statement) => [s.office, s.referrals, s.clinician])).toEqual([['Elm Street', 4, { name: 'Ben Bell', npi: B }]]);
    expect(await readStatements(query, Q4, { office: 'Nowhere' })).toEqual([]);
    expect((await readStatements(query, Q4, { referrer: D })).map((s) => [s.office, s.referrals])).toEqual([['No office on record', 1]]);
  });
});
