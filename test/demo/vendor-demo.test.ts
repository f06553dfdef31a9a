// The demo practice written as an Epic EHI delivery and as a FHIR R4 bulk
// export: real shapes, and the same journeys as the clean canonical demo of the
// same seed. Both outputs are read here with their own readers (not with
// refloop's adapters), and compared referral by referral where the vendor's
// shape carries the fact, by count where it carries only that.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, generateDemo, TRUTH_FILE } from '../../pipelines/demo.ts';
import { demoCommand } from '../../src/cli/commands/demo.ts';
import { parseConfig } from '../../src/config/load.ts';
import { EPIC_DEMO_DIFFERENCES, EPIC_DEMO_TABLES } from '../../src/demo/vendor/epic-ehi.ts';
import { FHIR_DEMO_DIFFERENCES, FHIR_DEMO_TYPES } from '../../src/demo/vendor/fhir-r4.ts';

const SMALL = { seed: 11, referrals: 300, start: '2025-01-06', end: '2025-06-29' };
const TZ = 'America/New_York';
let root: string;
let canonical: Canonical;
const epicDir = () => join(root, 'epic', 'epic', SMALL.end);
const fhirDir = () => join(root, 'fhir', 'fhir', SMALL.end);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refloop-vendor-demo-'));
  await generateDemo({ ...SMALL, clean: true }, join(root, 'csv'));
  await generateDemo({ ...SMALL, as: 'epic-ehi' }, join(root, 'epic'));
  await generateDemo({ ...SMALL, as: 'fhir-r4' }, join(root, 'fhir'));
  canonical = await readCanonical(join(root, 'csv'));
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

// ---------------------------------------------------------------- readers

interface Canonical {
  referrals: Record<string, string | null>[];
  events: Record<string, string | null>[];
  /** The latest row of each appointment (the greatest file name holding it). */
  appointments: Record<string, string | null>[];
  visits: Record<string, string | null>[];
  providers: Record<string, string | null>[];
  capacity: Record<string, string | null>[];
}

async function readCanonical(inbox: string): Promise<Canonical> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | null>[];
  const latest = (glob: string, key: string) =>
    `SELECT * EXCLUDE (filename, n) FROM (SELECT *, row_number() OVER (PARTITION BY "${key}" ORDER BY filename DESC) AS n FROM read_csv('${inbox}/${glob}', all_varchar = true, filename = true)) WHERE n = 1`;
  try {
    return {
      referrals: await rows(`SELECT * FROM read_csv('${inbox}/referrals_*.csv', all_varchar = true)`),
      events: await rows(`SELECT * FROM read_csv('${inbox}/referral_events_*.csv', all_varchar = true)`),
      appointments: await rows(latest('appointments_*.csv', 'Appt ID')),
      visits: await rows(latest('visits_*.csv.gz', 'visit_id')),
      providers: await rows(latest('providers_*.csv', 'npi')),
      capacity: await rows(`SELECT * FROM read_csv('${inbox}/capacity_*.csv', all_varchar = true)`),
    };
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Windows-1252 as WHATWG defines it (Node's one-shot decode() reads it as Latin-1: nodejs/node#56542). */
function decodeWindows1252(bytes: Uint8Array): string {
  const decoder = new TextDecoder('windows-1252');
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

/** An Epic table: UTF-8 when it is valid UTF-8, else Windows-1252; every row must have the header's field count. */
async function readTsv(name: string): Promise<Record<string, string>[]> {
  const bytes = await readFile(join(epicDir(), `${name}.tsv`));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = decodeWindows1252(bytes);
  }
  expect(text.endsWith('\r\n'), `${name} ends with CRLF`).toBe(true);
  const [header, ...lines] = text.slice(0, -2).split('\r\n');
  const columns = header!.split('\t');
  return lines.map((line, i) => {
    const cells = line.split('\t');
    if (cells.length !== columns.length) throw new Error(`${name}.tsv line ${i + 2}: ${cells.length} fields, the header has ${columns.length}`);
    return Object.fromEntries(columns.map((column, j) => [column, cells[j]!]));
  });
}

type Resource = Record<string, any> & { resourceType: string; id: string };
async function readResources(type: string): Promise<Resource[]> {
  const names = (await readdir(fhirDir())).filter((n) => n.startsWith(`${type}.`) && n.endsWith('.ndjson')).sort();
  const out: Resource[] = [];
  for (const name of names) {
    const text = await readFile(join(fhirDir(), name), 'utf8');
    text.split('\n').filter(Boolean).forEach((line, i) => {
      let resource: Resource;
      try {
        resource = JSON.parse(line);
      } catch {
        throw new Error(`${name} line ${i + 1} is not JSON`);
      }
      expect(resource.resourceType, `${name} line ${i + 1}`).toBe(type);
      out.push(resource);
    });
  }
  return out;
}

/** Epic's `M/D/YYYY h:mm:ss AM` (or `M/D/YYYY`) as the contract's `YYYY-MM-DD HH:MM`. */
function epicLocal(value: string): string {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d\d):(\d\d) (AM|PM))?$/.exec(value);
  if (!m) throw new Error(`not an Epic time: ${value}`);
  const hour = m[4] === undefined ? 0 : (Number(m[4]) % 12) + (m[7] === 'PM' ? 12 : 0);
  const p = (s: string | number) => String(s).padStart(2, '0');
  return `${m[3]}-${p(m[1]!)}-${p(m[2]!)} ${p(hour)}:${m[5] ?? '00'}`;
}

const NY = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const nyClock = (ms: number) => NY.format(new Date(ms)).replace(', ', ' ');
/** The instant of a local `YYYY-MM-DD HH:MM`, as the contract reads it: the first of a repeated hour, a gap time moved forward. */
function localInstant(local: string): number {
  const naive = Date.parse(`${local.replace(' ', 'T')}:00Z`);
  for (const offset of [-240, -300]) if (nyClock(naive - offset * 60_000) === local) return naive - offset * 60_000;
  return naive + 300 * 60_000;
}
const usLocal = (value: string) => value.replace(/^(\d\d)\/(\d\d)\/(\d{4}) /, '$3-$1-$2 ');

/** sources.md's keyword rule for a decline reason. */
function declineReason(text: string): string {
  const t = text.toLowerCase();
  if (['scope', 'not offered', 'not a covered service'].some((k) => t.includes(k))) return 'out_of_scope';
  if (['insurance', 'plan', 'coverage'].some((k) => t.includes(k))) return 'insurance';
  if (t.includes('clinical')) return 'clinical';
  if (t.includes('duplicate')) return 'duplicate';
  return 'other';
}

const countBy = <T>(items: T[], key: (t: T) => string) => items.reduce<Record<string, number>>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});
const eventsOf = (type: string) => canonical.events.filter((e) => e.event_type === type);
const finalStatus = () => Object.fromEntries(canonical.appointments.map((a) => [a['Appt ID']!, a['Appt Status']!.toLowerCase()]));
const lineOfAlias = (shape: 'epic-ehi' | 'fhir-r4') => {
  const lines = parseConfig(demoConfig(shape)).service_lines;
  return (value: string | undefined) => lines.find((l) => [l.id, l.name, ...l.aliases].some((a) => a.toLowerCase() === value?.trim().toLowerCase()))?.id;
};

// ---------------------------------------------------------------- the clean canonical demo

describe('the clean canonical demo', () => {
  it('plants no bad rows and lists none in the truth file', async () => {
    const truth = JSON.parse(await readFile(join(root, 'csv', TRUTH_FILE), 'utf8'));
    expect(truth.mess.quarantined).toEqual([]);
    expect(truth.mess.loaded_with_issue).toEqual({});
    expect(Object.values(truth.mess.rates).every((r) => r === 0)).toBe(true);
    const ids = canonical.referrals.map((r) => r.referral_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(canonical.referrals.every((r) => r.patient_id && /^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(r.received_at!))).toBe(true);
    expect(canonical.providers.some((p) => p.name === 'Typo Entry')).toBe(false);
  });

  it('simulates the same journeys as the messy demo of the seed: only the planted rows differ', async () => {
    await generateDemo(SMALL, join(root, 'messy'));
    const messy = await readCanonical(join(root, 'messy'));
    const truth = JSON.parse(await readFile(join(root, 'messy', TRUTH_FILE), 'utf8'));
    expect(truth.mess.quarantined.length + Object.keys(truth.mess.loaded_with_issue).length).toBeGreaterThan(0);
    const clean = new Map(canonical.referrals.map((r) => [r.referral_id, r]));
    const messyIds = new Set(messy.referrals.map((r) => r.referral_id));
    expect([...messyIds].sort()).toEqual([...clean.keys()].sort());
    const differing = messy.referrals.filter((r) => JSON.stringify(r) !== JSON.stringify(clean.get(r.referral_id)));
    const planted = truth.mess.quarantined.filter((p: { file: string }) => p.file.startsWith('referrals_')).length + (truth.mess.loaded_with_issue.referral_invalid_npi ?? 0);
    expect(differing.length).toBeLessThanOrEqual(planted);
  });
});

// ---------------------------------------------------------------- Epic EHI

describe('the Epic EHI delivery', () => {
  const TABLES = ['CLARITY_DEP', 'CLARITY_SER', 'CLARITY_SER_2', 'PATIENT', 'PAT_ENC', 'PAT_ENC_APPT', 'REFERRAL', 'REFERRAL_2', 'REFERRAL_HIST', 'REFERRAL_SOURCE'];

  it('is one folder named for the end date, holding the Epic tables with their Clarity column names', async () => {
    expect((await readdir(join(root, 'epic', 'epic')))).toEqual([SMALL.end]);
    expect((await readdir(epicDir())).sort()).toEqual(TABLES.map((t) => `${t}.tsv`));
    expect([...EPIC_DEMO_TABLES].sort()).toEqual(TABLES);
    const headers = Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Object.keys((await readTsv(t))[0]!)] as const)));
    expect(headers.REFERRAL).toEqual(expect.arrayContaining(['REFERRAL_ID', 'PAT_ID', 'ENTRY_DATE', 'PRIORITY_C_NAME', 'RFL_TYPE_C_NAME', 'REFERRING_PROV_ID', 'REFERRING_PROV_ID_REFERRING_PROV_NAM', 'REFD_TO_DEPT_ID', 'REFD_TO_SPEC_C_NAME']));
    expect(headers.REFERRAL_HIST).toEqual(expect.arrayContaining(['REFERRAL_ID', 'LINE', 'CHANGE_DATE', 'CHANGE_DATETIME', 'CHANGE_LOCAL_DTTM', 'CHANGE_TYPE_C_NAME', 'NEW_RFL_STATUS_C_NAME', 'NEW_PEND_RSN_C_NAME']));
    expect(headers.PAT_ENC).toEqual(expect.arrayContaining(['PAT_ENC_CSN_ID', 'PAT_ID', 'CONTACT_DATE', 'DEPARTMENT_ID', 'APPT_STATUS_C_NAME', 'APPT_MADE_DTTM', 'REFERRAL_ID', 'OUTGOING_CALL_YN']));
    expect(headers.PAT_ENC_APPT).toEqual(expect.arrayContaining(['PAT_ENC_CSN_ID', 'LINE', 'PROV_START_TIME']));
    expect(headers.REFERRAL_2).toEqual(expect.arrayContaining(['REFERRAL_ID', 'RFL_RECEIVED_DATE', 'REJECT_REASON_C_NAME', 'RPT_SENT_DATE']));
    expect(headers.REFERRAL_SOURCE).toEqual(expect.arrayContaining(['REFERRING_PROV_ID', 'REFERRING_PROV_NAM', 'NPI']));
    expect(headers.CLARITY_DEP).toEqual(expect.arrayContaining(['DEPARTMENT_ID', 'DEPARTMENT_NAME']));
    expect(headers.PATIENT).toEqual(expect.arrayContaining(['PAT_ID', 'PAT_MRN_ID']));
  });

  it('writes CLARITY_DEP and CLARITY_SER in Windows-1252: not valid UTF-8, and ’ é – once decoded', async () => {
    for (const table of ['CLARITY_DEP', 'CLARITY_SER']) {
      const bytes = await readFile(join(epicDir(), `${table}.tsv`));
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), table).toThrow();
    }
    const departments = (await readTsv('CLARITY_DEP')).map((d) => d.DEPARTMENT_NAME);
    expect(departments).toContain('St. Luke’s Heart & Vascular');
    expect(departments).toContain('HV Sports Medicine – Waltham');
    expect((await readTsv('CLARITY_SER')).map((s) => s.PROV_NAME)).toContain('Lefèvre, René');
    // The other tables are UTF-8, patient names with ë and á among them.
    const patients = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(join(epicDir(), 'PATIENT.tsv')));
    expect(patients).toMatch(/ZOË|HERNÁNDEZ/);
  });

  it('writes times as M/D/YYYY h:mm:ss AM, local, with CHANGE_DATETIME the same instant in UTC', async () => {
    const history = await readTsv('REFERRAL_HIST');
    const epicTime = /^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d\d:\d\d (AM|PM)$/;
    expect(history.every((h) => epicTime.test(h.CHANGE_LOCAL_DTTM!) && epicTime.test(h.CHANGE_DATETIME!) && /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(h.CHANGE_DATE!))).toBe(true);
    for (const h of history) {
      const utc = Date.parse(`${epicLocal(h.CHANGE_DATETIME!).replace(' ', 'T')}:00Z`);
      expect(utc, `${h.REFERRAL_ID} line ${h.LINE}`).toBe(localInstant(epicLocal(h.CHANGE_LOCAL_DTTM!)));
    }
  });

  it('holds every referral once, received when the canonical demo says, from the same patient and referrer', async () => {
    const referrals = await readTsv('REFERRAL');
    const created = new Map((await readTsv('REFERRAL_HIST')).filter((h) => h.CHANGE_TYPE_C_NAME === 'Create Referral' && h.LINE === '1').map((h) => [h.REFERRAL_ID, epicLocal(h.CHANGE_LOCAL_DTTM!)]));
    const mrn = new Map((await readTsv('PATIENT')).map((p) => [p.PAT_ID, p.PAT_MRN_ID]));
    const npi = new Map((await readTsv('REFERRAL_SOURCE')).map((s) => [s.REFERRING_PROV_ID, s.NPI]));
    expect(referrals.map((r) => r.REFERRAL_ID).sort()).toEqual(canonical.referrals.map((r) => r.referral_id).sort());
    const epic = new Map(referrals.map((r) => [r.REFERRAL_ID, r]));
    for (const c of canonical.referrals) {
      const e = epic.get(c.referral_id!)!;
      expect(created.get(c.referral_id!), c.referral_id!).toBe(c.received_at);
      expect(mrn.get(e.PAT_ID!)).toBe(c.patient_id);
      expect(e.REFERRING_PROV_ID ? npi.get(e.REFERRING_PROV_ID) : null).toBe(c.referring_npi);
    }
  });

  it('names the service line by specialty or department, which the config’s aliases map back to the canonical line', async () => {
    const toLine = lineOfAlias('epic-ehi');
    const department = new Map((await readTsv('CLARITY_DEP')).map((d) => [d.DEPARTMENT_ID, d.DEPARTMENT_NAME]));
    const epic = new Map((await readTsv('REFERRAL')).map((r) => [r.REFERRAL_ID, r]));
    let byDepartmentOnly = 0;
    for (const c of canonical.referrals) {
      const e = epic.get(c.referral_id!)!;
      const candidates = [e.REFD_TO_SPEC_C_NAME, department.get(e.REFD_TO_DEPT_ID!)].filter((v): v is string => Boolean(v));
      const line = candidates.map(toLine).find(Boolean);
      if (!e.REFD_TO_SPEC_C_NAME) byDepartmentOnly++;
      if (['cardiology', 'orthopedics', 'gastroenterology', 'imaging'].includes(c.service_line!)) expect(line, c.referral_id!).toBe(c.service_line);
      else expect(line, `${c.referral_id} (${candidates[0]}) maps to no line`).toBeUndefined();
    }
    expect(byDepartmentOnly).toBeGreaterThan(0);
  });

  it('words urgency and referral type so sources.md’s maps give the canonical values', async () => {
    const URGENCY: Record<string, string> = { routine: 'routine', urgent: 'urgent', stat: 'stat', emergent: 'stat', asap: 'stat' };
    const TYPE: Record<string, string> = { consultation: 'consult', consult: 'consult', referral: 'consult', 'evaluate and treat': 'consult', 'mri/cat scan': 'diagnostic', imaging: 'diagnostic', diagnostic: 'diagnostic', lab: 'diagnostic', procedure: 'diagnostic', 'post discharge': 'post_discharge', 'discharge follow-up': 'post_discharge' };
    const epic = new Map((await readTsv('REFERRAL')).map((r) => [r.REFERRAL_ID, r]));
    for (const c of canonical.referrals) {
      const e = epic.get(c.referral_id!)!;
      expect(URGENCY[e.PRIORITY_C_NAME!.toLowerCase()], c.referral_id!).toBe(c.urgency);
      expect(TYPE[e.RFL_TYPE_C_NAME!.toLowerCase()], c.referral_id!).toBe(c.referral_type);
    }
  });

  it('has the canonical acceptances, declines with their reasons and document requests in REFERRAL_HIST', async () => {
    const history = await readTsv('REFERRAL_HIST');
    const reasons = new Map((await readTsv('REFERRAL_2')).map((r) => [r.REFERRAL_ID, r.REJECT_REASON_C_NAME]));
    const funnel = history.flatMap((h) => {
      const at = epicLocal(h.CHANGE_LOCAL_DTTM!);
      const status = h.NEW_RFL_STATUS_C_NAME!.toLowerCase();
      if (h.CHANGE_TYPE_C_NAME === 'Accept Referral' || (h.CHANGE_TYPE_C_NAME === 'Change Status' && ['authorized', 'approved', 'accepted'].includes(status))) return [`${h.REFERRAL_ID} accepted ${at}`];
      if (['Reject Referral', 'Deny Referral'].includes(h.CHANGE_TYPE_C_NAME!) || (h.CHANGE_TYPE_C_NAME === 'Change Status' && ['denied', 'rejected'].includes(status))) return [`${h.REFERRAL_ID} declined ${at} ${declineReason(reasons.get(h.REFERRAL_ID!)!)}`];
      if (h.CHANGE_TYPE_C_NAME === 'Pend Referral' && /missing|awaiting|records|information/i.test(h.NEW_PEND_RSN_C_NAME!)) return [`${h.REFERRAL_ID} doc_requested ${at}`];
      return [];
    });
    const expected = canonical.events
      .filter((e) => ['accepted', 'declined', 'doc_requested'].includes(e.event_type!))
      .map((e) => `${e.referral_id} ${e.event_type} ${e.event_at}${e.event_type === 'declined' ? ` ${e.detail}` : ''}`);
    expect(funnel.sort()).toEqual(expected.sort());
    expect(new Set(eventsOf('declined').map((e) => e.detail)).size).toBeGreaterThan(1);
  });

  it('has the canonical appointments with their statuses, start and booking times, and a visit for each completed one', async () => {
    const STATUS: Record<string, string> = { scheduled: 'booked', confirmed: 'booked', completed: 'completed', arrived: 'completed', 'checked in': 'completed', 'checked out': 'completed', canceled: 'cancelled', cancelled: 'cancelled', bumped: 'cancelled', 'no show': 'no_show' };
    const encounters = (await readTsv('PAT_ENC')).filter((e) => e.APPT_STATUS_C_NAME);
    const starts = new Map<string, string>();
    for (const a of (await readTsv('PAT_ENC_APPT')).sort((x, y) => Number(y.LINE) - Number(x.LINE))) starts.set(a.PAT_ENC_CSN_ID!, epicLocal(a.PROV_START_TIME!));
    const epic = Object.fromEntries(encounters.map((e) => [e.PAT_ENC_CSN_ID!, STATUS[e.APPT_STATUS_C_NAME!.toLowerCase()]!]));
    expect(epic).toEqual(finalStatus());
    expect(countBy(Object.values(epic), (s) => s)).toEqual(countBy(Object.values(finalStatus()), (s) => s));
    for (const c of canonical.appointments) {
      const e = encounters.find((x) => x.PAT_ENC_CSN_ID === c['Appt ID'])!;
      expect(starts.get(c['Appt ID']!), c['Appt ID']!).toBe(usLocal(c['Appt Date/Time']!));
      expect(epicLocal(e.APPT_MADE_DTTM!)).toBe(usLocal(c['Booked On']!));
      expect(e.REFERRAL_ID || null).toBe(c['Referral #']);
    }
    expect(Object.values(epic).filter((s) => s === 'completed').length).toBe(canonical.visits.length);
    // A study with a second reader has a second, later provider line; the start is the first line's.
    expect((await readTsv('PAT_ENC_APPT')).some((a) => a.LINE === '2')).toBe(true);
  });

  it('has a telephone encounter at the minute of each canonical contact_made, and no unanswered calls', async () => {
    const calls = (await readTsv('PAT_ENC')).filter((e) => e.OUTGOING_CALL_YN === 'Y' && e.REFERRAL_ID);
    const start = new Map((await readTsv('PAT_ENC_APPT')).filter((a) => a.LINE === '1').map((a) => [a.PAT_ENC_CSN_ID, epicLocal(a.PROV_START_TIME!)]));
    expect(calls.every((c) => !c.APPT_STATUS_C_NAME)).toBe(true);
    expect(calls.map((c) => `${c.REFERRAL_ID} ${start.get(c.PAT_ENC_CSN_ID)}`).sort()).toEqual(eventsOf('contact_made').map((e) => `${e.referral_id} ${e.event_at}`).sort());
    expect(eventsOf('contact_attempt').length).toBeGreaterThan(calls.length);
  });

  it('sends the report on the referral’s first visit when the canonical visit summary went out', async () => {
    const sent = new Map((await readTsv('REFERRAL_2')).filter((r) => r.RPT_SENT_DATE).map((r) => [r.REFERRAL_ID, epicLocal(r.RPT_SENT_DATE!)]));
    const referralOf = new Map(canonical.appointments.map((a) => [a['Appt ID'], a['Referral #']]));
    const firstVisit = new Map<string, Record<string, string | null>>();
    for (const v of [...canonical.visits].sort((a, b) => (a.visit_at! < b.visit_at! ? -1 : 1))) {
      const referral = referralOf.get(v.appointment_id);
      if (referral && !firstVisit.has(referral)) firstVisit.set(referral, v);
    }
    let checked = 0;
    for (const [referral, v] of firstVisit) {
      expect(sent.get(referral) ?? null, referral).toBe(v.summary_sent_at);
      if (v.summary_sent_at) checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('lists every directory clinician as a referral source with the same NPI and name', async () => {
    const sources = await readTsv('REFERRAL_SOURCE');
    const byNpi = new Map(sources.map((s) => [s.NPI, s.REFERRING_PROV_NAM]));
    for (const p of canonical.providers) expect(byNpi.get(p.npi!), p.npi!).toBe(p.name);
    expect(sources.length).toBeGreaterThan(canonical.providers.length); // out-of-network referrers too (a listed difference)
  });

  it('states every difference from the canonical demo once, with a reason', () => {
    const keys = EPIC_DEMO_DIFFERENCES.map((d) => `${d.kind}.${d.column} ${d.fact}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(EPIC_DEMO_DIFFERENCES.every((d) => d.fact && d.why)).toBe(true);
    for (const column of ['channel', 'payer_type', 'reason_code', 'documents']) expect(EPIC_DEMO_DIFFERENCES.some((d) => d.kind === 'referrals' && d.column === column), column).toBe(true);
    expect(EPIC_DEMO_DIFFERENCES.some((d) => d.kind === 'capacity')).toBe(true);
  });
});

// ---------------------------------------------------------------- FHIR R4

describe('the FHIR R4 bulk export', () => {
  const TYPES = ['Appointment', 'Communication', 'DocumentReference', 'Encounter', 'Location', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Schedule', 'ServiceRequest', 'Slot', 'Task'];
  let all: Map<string, Resource[]>;
  beforeAll(async () => {
    all = new Map(await Promise.all(TYPES.map(async (t) => [t, await readResources(t)] as const)));
  });
  const of = (type: string) => all.get(type)!;
  const byId = (type: string) => new Map(of(type).map((r) => [r.id, r]));
  const localOf = (dateTime: string) => nyClock(Date.parse(dateTime));

  it('is one folder named for the end date, one NDJSON file per resource type, every line a resource of that type', async () => {
    expect(await readdir(join(root, 'fhir', 'fhir'))).toEqual([SMALL.end]);
    expect((await readdir(fhirDir())).sort()).toEqual(TYPES.map((t) => `${t}.000.ndjson`));
    expect([...FHIR_DEMO_TYPES]).toEqual(TYPES);
    for (const t of TYPES) expect(of(t).length, t).toBeGreaterThan(0);
    for (const t of TYPES) expect(new Set(of(t).map((r) => r.id)).size, `${t} ids are unique`).toBe(of(t).length);
  });

  it('writes references as Type/id, and every one resolves within the delivery', () => {
    const ids = new Set([...all.values()].flat().map((r) => `${r.resourceType}/${r.id}`));
    const unresolved: string[] = [];
    let references = 0;
    const walk = (value: unknown, where: string) => {
      if (Array.isArray(value)) value.forEach((v) => walk(v, where));
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'reference') {
            references++;
            if (typeof v !== 'string' || !/^[A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64}$/.test(v) || !ids.has(v)) unresolved.push(`${where}: ${String(v)}`);
          } else walk(v, where);
        }
      }
    };
    for (const r of [...all.values()].flat()) walk(r, `${r.resourceType}/${r.id}`);
    expect(unresolved).toEqual([]);
    expect(references).toBeGreaterThan(5000);
  });

  it('identifies patients by an identifier typed MR and practitioners by the NPI system, with dates as FHIR allows', () => {
    const mr = (p: Resource) => p.identifier.find((i: any) => i.type?.coding?.some((c: any) => c.system === 'http://terminology.hl7.org/CodeSystem/v2-0203' && c.code === 'MR'))?.value;
    expect(of('Patient').every((p) => /^MRN\d{8}$/.test(mr(p)) && /^\d{4}-\d\d-\d\d$/.test(p.birthDate))).toBe(true);
    expect(of('Practitioner').every((p) => p.identifier.some((i: any) => i.system === 'http://hl7.org/fhir/sid/us-npi' && /^\d{10}$/.test(i.value)))).toBe(true);
    expect(of('ServiceRequest').every((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/.test(s.authoredOn))).toBe(true);
    expect(of('Task').every((t) => !t.executionPeriod || /Z$/.test(t.executionPeriod.start))).toBe(true);
  });

  it('holds every referral as a ServiceRequest, received, from the patient and referrer the canonical demo says', () => {
    const patients = byId('Patient');
    const roles = byId('PractitionerRole');
    const practitioners = byId('Practitioner');
    const requests = byId('ServiceRequest');
    expect([...requests.keys()].sort()).toEqual(canonical.referrals.map((r) => r.referral_id).sort());
    const mr = (p: Resource) => p.identifier.find((i: any) => i.type?.coding?.some((c: any) => c.code === 'MR')).value;
    const URGENCY: Record<string, string> = { routine: 'routine', urgent: 'urgent', asap: 'stat', stat: 'stat' };
    const toLine = lineOfAlias('fhir-r4');
    for (const c of canonical.referrals) {
      const s = requests.get(c.referral_id!)!;
      expect(Date.parse(s.authoredOn), c.referral_id!).toBe(localInstant(c.received_at!));
      expect(mr(patients.get(s.subject.reference.split('/')[1])!)).toBe(c.patient_id);
      const practitioner = s.requester && practitioners.get(roles.get(s.requester.reference.split('/')[1])!.practitioner.reference.split('/')[1]);
      expect(practitioner ? practitioner.identifier[0].value : null).toBe(c.referring_npi);
      expect(URGENCY[s.priority]).toBe(c.urgency);
      expect(s.reasonCode[0].coding[0]).toEqual({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: c.reason_code });
      expect(s.category[0].coding[0].code).toBe('3457005');
      const line = s.performerType.coding.map((k: any) => toLine(k.code) ?? toLine(k.display)).find(Boolean);
      expect(line ?? c.service_line, c.referral_id!).toBe(c.service_line);
      if (!line) expect(['dermatology', 'sleep_medicine', 'neurology']).toContain(c.service_line);
    }
  });

  it('carries the packet’s documents as DocumentReferences dated at receipt, and later arrivals dated after it', () => {
    const documents = byId('DocumentReference');
    const typeOf = (d: Resource) => {
      const code = d.type.coding[0].code;
      return ({ '11488-4': 'clinical_notes', '18842-5': 'discharge_summary', '11502-2': 'lab_results', '18748-4': 'imaging_report' } as Record<string, string>)[code] ?? code;
    };
    const requests = byId('ServiceRequest');
    for (const c of canonical.referrals) {
      const s = requests.get(c.referral_id!)!;
      const packet = (s.supportingInfo ?? []).map((ref: any) => documents.get(ref.reference.split('/')[1])!);
      expect(packet.every((d: Resource) => Date.parse(d.date) <= Date.parse(s.authoredOn))).toBe(true);
      expect(packet.map(typeOf).join(';') || null, c.referral_id!).toBe(c.documents);
    }
    const authored = new Map(of('ServiceRequest').map((s) => [`ServiceRequest/${s.id}`, Date.parse(s.authoredOn)]));
    const arrivals = of('DocumentReference').filter((d) => Date.parse(d.date) > authored.get(d.context.related[0].reference)!);
    expect(arrivals.map((d) => `${d.context.related[0].reference.split('/')[1]} ${localOf(d.date)} ${typeOf(d)}`).sort()).toEqual(eventsOf('doc_received').map((e) => `${e.referral_id} ${e.event_at} ${e.detail}`).sort());
  });

  it('has a Task per referral whose status and BSeR business status give the canonical acceptances and declines', () => {
    const ACCEPTED = ['accepted', 'in-progress', 'on-hold', 'completed'];
    const tasks = of('Task');
    expect(tasks.map((t) => t.focus.reference).sort()).toEqual(canonical.referrals.map((r) => `ServiceRequest/${r.referral_id}`).sort());
    const funnel = tasks.flatMap((t) => {
      const id = t.focus.reference.split('/')[1];
      const business = t.businessStatus.coding[0].code;
      const at = localOf(t.executionPeriod?.start ?? t.lastModified);
      if (ACCEPTED.includes(t.status) || ['3.0', '5.1.1', '5.1.4', '7.0'].includes(business)) return [`${id} accepted ${at}`];
      if (t.status === 'rejected' || business === '4.0') return [`${id} declined ${at} ${declineReason(t.statusReason.text)}`];
      if (t.status === 'cancelled' || business === '6.0') return [`${id} cancelled ${at}`];
      return [];
    });
    const expected = canonical.events.filter((e) => ['accepted', 'declined'].includes(e.event_type!)).map((e) => `${e.referral_id} ${e.event_type} ${e.event_at}${e.event_type === 'declined' ? ` ${e.detail}` : ''}`);
    expect(funnel.sort()).toEqual(expected.sort());
    expect(of('ServiceRequest').some((s) => s.status === 'revoked')).toBe(false);
  });

  it('has a Communication per call to the patient: completed at each contact_made, not-done for the unanswered attempts', () => {
    const toPatient = of('Communication').filter((c) => c.recipient[0].reference.startsWith('Patient/'));
    const made = toPatient.filter((c) => c.status === 'completed');
    const notDone = toPatient.filter((c) => c.status === 'not-done');
    const inProgress = toPatient.filter((c) => c.status === 'in-progress');
    expect(made.map((c) => `${c.basedOn[0].reference.split('/')[1]} ${localOf(c.sent)}`).sort()).toEqual(eventsOf('contact_made').map((e) => `${e.referral_id} ${e.event_at}`).sort());
    // Each referral's canonical attempts are its unanswered calls plus the one that reached the patient.
    const attempts = countBy(eventsOf('contact_attempt'), (e) => e.referral_id!);
    const fhirCalls = countBy([...notDone, ...made, ...inProgress], (c) => c.basedOn[0].reference.split('/')[1]);
    expect(fhirCalls).toEqual(attempts);
    expect(notDone.length).toBe(eventsOf('contact_attempt').length - made.length - inProgress.length);
    expect(notDone.length).toBeGreaterThan(0);
  });

  it('has the canonical appointments with their statuses, start and booking times, and an Encounter for each visit', () => {
    const STATUS: Record<string, string> = { proposed: 'booked', pending: 'booked', booked: 'booked', arrived: 'booked', 'checked-in': 'booked', fulfilled: 'completed', cancelled: 'cancelled', noshow: 'no_show' };
    const appointments = of('Appointment');
    expect(Object.fromEntries(appointments.map((a) => [a.id, STATUS[a.status]]))).toEqual(finalStatus());
    const byAppt = byId('Appointment');
    for (const c of canonical.appointments) {
      const a = byAppt.get(c['Appt ID']!)!;
      expect(localOf(a.start), a.id).toBe(usLocal(c['Appt Date/Time']!));
      expect(localOf(a.created)).toBe(usLocal(c['Booked On']!));
      expect(a.basedOn?.[0].reference.split('/')[1] ?? null).toBe(c['Referral #']);
      expect(a.appointmentType.coding[0].code === 'FOLLOWUP').toBe(c['Visit Type'] === 'FOLLOW_UP');
    }
    const encounters = byId('Encounter');
    expect([...encounters.keys()].sort()).toEqual(canonical.visits.map((v) => v.visit_id).sort());
    for (const v of canonical.visits) {
      const e = encounters.get(v.visit_id!)!;
      expect(e.status).toBe('finished');
      expect(localOf(e.period.start)).toBe(v.visit_at);
      expect(e.appointment?.[0].reference.split('/')[1] ?? null).toBe(v.appointment_id);
    }
  });

  it('sends the summary to the requester on the referral’s first visit when the canonical summary went out', () => {
    const requests = byId('ServiceRequest');
    const summaries = new Map(of('Communication').filter((c) => c.recipient[0].reference.startsWith('PractitionerRole/')).map((c) => [c.basedOn[0].reference.split('/')[1], c]));
    const referralOf = new Map(canonical.appointments.map((a) => [a['Appt ID'], a['Referral #']]));
    let checked = 0;
    const seen = new Set<string>();
    for (const v of [...canonical.visits].sort((a, b) => (a.visit_at! < b.visit_at! ? -1 : 1))) {
      const referral = referralOf.get(v.appointment_id);
      if (!referral || seen.has(referral)) continue;
      seen.add(referral);
      const s = summaries.get(referral);
      if (!requests.get(referral)!.requester) expect(s).toBeUndefined();
      else {
        expect(s ? localOf(s.sent) : null, referral).toBe(v.summary_sent_at);
        if (s) expect(s.recipient[0]).toEqual(requests.get(referral)!.requester);
        if (s) checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('lists every directory clinician as a Practitioner with the same NPI, name and office', () => {
    const roles = of('PractitionerRole');
    const orgs = byId('Organization');
    const byNpi = new Map(of('Practitioner').map((p) => [p.identifier[0].value, p]));
    for (const c of canonical.providers) {
      const p = byNpi.get(c.npi!)!;
      expect(`${p.name[0].given[0]} ${p.name[0].family}`).toBe(c.name);
      const role = roles.find((r) => r.practitioner.reference === `Practitioner/${p.id}`)!;
      expect(orgs.get(role.organization.reference.split('/')[1])!.name).toBe(c.practice);
    }
  });

  it('has a Slot for every canonical new-patient slot, per service line and week', () => {
    const toLine = lineOfAlias('fhir-r4');
    const schedules = byId('Schedule');
    const weekOf = (start: string) => {
      const local = localOf(start).slice(0, 10);
      const day = new Date(`${local}T00:00:00Z`);
      day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
      return day.toISOString().slice(0, 10);
    };
    const slots = countBy(
      of('Slot').filter((s) => ['free', 'busy'].includes(s.status) && s.appointmentType.coding[0].code !== 'FOLLOWUP'),
      (s) => `${toLine(schedules.get(s.schedule.reference.split('/')[1])!.serviceType[0].coding[0].code)} ${weekOf(s.start)}`,
    );
    const expected = Object.fromEntries(canonical.capacity.filter((c) => Number(c.new_patient_slots) > 0).map((c) => [`${c.service_line} ${c.week_start}`, Number(c.new_patient_slots)]));
    expect(slots).toEqual(expected);
  });

  it('states every difference from the canonical demo once, with a reason', () => {
    const keys = FHIR_DEMO_DIFFERENCES.map((d) => `${d.kind}.${d.column} ${d.fact}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(FHIR_DEMO_DIFFERENCES.every((d) => d.fact && d.why)).toBe(true);
    expect(FHIR_DEMO_DIFFERENCES.some((d) => d.kind === 'referral_events' && /doc_requested/.test(d.fact))).toBe(true);
  });
});

// ---------------------------------------------------------------- config and command

describe('the vendor demos’ config and command', () => {
  it('writes a config whose source is the vendor’s folder and whose aliases cover the names it writes', () => {
    const epic = parseConfig(demoConfig('epic-ehi'));
    expect(epic.sources).toEqual([expect.objectContaining({ name: 'epic', adapter: 'epic-ehi', path: 'epic' })]);
    expect(epic.service_lines.find((l) => l.id === 'imaging')!.aliases).toEqual(expect.arrayContaining(['Radiology', 'HV RADIOLOGY', 'Women’s Imaging Center']));
    const fhir = parseConfig(demoConfig('fhir-r4'));
    expect(fhir.sources).toEqual([expect.objectContaining({ name: 'fhir', adapter: 'fhir-r4', path: 'fhir' })]);
    expect(fhir.service_lines.find((l) => l.id === 'cardiology')!.aliases).toContain('394579002');
    const csv = demoConfig();
    expect('sources' in csv).toBe(false);
    expect(csv.service_lines.some((l) => 'aliases' in l)).toBe(false);
  });

  it('records the shape in the truth file and lists nothing quarantined', async () => {
    const truth = JSON.parse(await readFile(join(root, 'epic', TRUTH_FILE), 'utf8'));
    expect(truth.options.as).toBe('epic-ehi');
    expect(truth.referrals).toBe(canonical.referrals.length);
    expect(truth.mess.quarantined).toEqual([]);
    expect(existsSync(join(root, 'epic', 'referrals_2025-01.csv'))).toBe(false);
  });

  it('replaces a former demo delivery of the same end date and leaves other files alone', async () => {
    const inbox = join(root, 'rerun');
    const tiny = { seed: 3, referrals: 40, start: '2025-06-02', end: '2025-06-29', as: 'fhir-r4' as const };
    await generateDemo(tiny, inbox);
    const delivery = join(inbox, 'fhir', tiny.end);
    await writeFile(join(delivery, 'Patient.001.ndjson'), '{"resourceType":"Patient","id":"stale"}\n');
    await writeFile(join(delivery, 'README.txt'), 'kept');
    await generateDemo(tiny, inbox);
    const names = await readdir(delivery);
    expect(names).not.toContain('Patient.001.ndjson');
    expect(names).toContain('README.txt');
    expect(names).toContain('Patient.000.ndjson');
  });

  it('refuses an unknown --as with the shapes it knows, before writing anything', async () => {
    const config = join(root, 'never.json');
    await expect(demoCommand.run({ as: 'hl7v2', config, inbox: join(root, 'never') }, [])).rejects.toThrow('--as must be one of csv, epic-ehi, fhir-r4, not hl7v2');
    expect(existsSync(config)).toBe(false);
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});
