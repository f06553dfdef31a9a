// The epic-ehi mapping rules one at a time, each on a tiny delivery built
// around its near misses: the value just outside a map, the keyword that
// almost matches, the UTC column beside the local one, config overrides.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { epicEhiAdapter } from '../../src/sources/epic-ehi/index.ts';
import { adapterContext, deliveryOf, EPIC_FIXTURE_CONFIG, RecordingOutput, writeTables, type Table } from './fixtures/epic-delivery.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Runs the adapter on these tables (file name → header and rows), with the source's maps overridden. */
async function run(tables: Record<string, Table>, maps: Record<string, Record<string, string>> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'refloop-epic-rules-'));
  dirs.push(dir);
  await writeTables(dir, tables);
  const config = { ...EPIC_FIXTURE_CONFIG, sources: [{ name: 'epic', adapter: 'epic-ehi', path: 'epic', maps }] };
  const out = new RecordingOutput();
  await epicEhiAdapter.read(await deliveryOf(dir), adapterContext(config, epicEhiAdapter), out);
  for (const [file, { read, accounted }] of Object.entries(out.accounting())) expect({ file, accounted }).toEqual({ file, accounted: read });
  return out;
}

const t = (header: string, ...rows: string[]): Table => ({ header: header.split(','), rows: rows.map((r) => r.split(',')) });

const REFERRAL_HEADER = 'REFERRAL_ID,PAT_ID,ENTRY_DATE,RFL_TYPE_C_NAME,PRIORITY_C_NAME,REFERRING_PROV_ID,REFD_TO_DEPT_ID,REFD_TO_SPEC_C_NAME,PROV_SPEC_C_NAME';
const HIST_HEADER = 'REFERRAL_ID,LINE,CHANGE_DATE,CHANGE_DATETIME,CHANGE_LOCAL_DTTM,CHANGE_TYPE_C_NAME,NEW_RFL_STATUS_C_NAME,NEW_PEND_RSN_C_NAME';
const ENC_HEADER = 'PAT_ENC_CSN_ID,PAT_ID,CONTACT_DATE,DEPARTMENT_ID,APPT_STATUS_C_NAME,REFERRAL_ID,OUTGOING_CALL_YN';

const events = (out: RecordingOutput) => out.rows('referral_events').map((e) => `${e.referral_id} ${e.event_type} ${e.event_at}${e.detail ? ` ${e.detail}` : ''}`);
const skipsOf = (out: RecordingOutput, file: string) => out.skipped.filter((s) => s.origin.file === file).map((s) => `${s.origin.line} ${s.rule}`);

describe('epic-ehi REFERRAL_HIST rules', () => {
  it('maps Change Status by the new status, case-insensitively, and skips a status just outside the map', async () => {
    const out = await run({
      'REFERRAL_HIST.tsv': t(
        HIST_HEADER,
        '1,1,10/1/2026,,10/1/2026 9:00:00 AM,Change Status,canceled,',
        '2,1,10/1/2026,,10/1/2026 9:00:00 AM,Change Status,Cancelled,',
        '3,1,10/1/2026,,10/1/2026 9:00:00 AM,Change Status,Cancel,',
        '4,1,10/1/2026,,10/1/2026 9:00:00 AM,Change Status,AUTHORIZED,',
        '5,1,10/1/2026,,10/1/2026 9:00:00 AM,Change Status,,',
        '6,1,10/1/2026,,10/1/2026 9:00:00 AM,change status,Rejected,',
      ),
    });
    expect(events(out)).toEqual([
      '1 cancelled 2026-10-01 09:00:00',
      '2 cancelled 2026-10-01 09:00:00',
      '4 accepted 2026-10-01 09:00:00',
      '6 declined 2026-10-01 09:00:00',
    ]);
    expect(skipsOf(out, 'REFERRAL_HIST.tsv')).toEqual(['4 not a funnel event', '6 not a funnel event']);
  });

  it('turns a pend into doc_requested only when its reason contains a keyword', async () => {
    const out = await run({
      'REFERRAL_HIST.tsv': t(
        HIST_HEADER,
        '1,1,10/1/2026,,10/1/2026 9:00:00 AM,Pend Referral,,RECORDS REQUESTED',
        '2,1,10/1/2026,,10/1/2026 9:00:00 AM,Pend Referral,,Need record',
        '3,1,10/1/2026,,10/1/2026 9:00:00 AM,Pend Referral,,Need more information',
        '4,1,10/1/2026,,10/1/2026 9:00:00 AM,Pend Referral,,',
      ),
    });
    expect(events(out)).toEqual(['1 doc_requested 2026-10-01 09:00:00', '3 doc_requested 2026-10-01 09:00:00']);
    expect(skipsOf(out, 'REFERRAL_HIST.tsv')).toEqual(['3 not a funnel event', '5 not a funnel event']);
  });

  it('gives a decline the reason of the first keyword in map order, other without one, null without a reason', async () => {
    const decline = (id: string) => `${id},1,10/1/2026,,10/1/2026 9:00:00 AM,Reject Referral,,`;
    const out = await run({
      'REFERRAL_2.tsv': t(
        'REFERRAL_ID,REJECT_REASON_C_NAME',
        '1,Out of scope - duplicate',
        '2,Plan of care not appropriate',
        '3,Patient preference',
        '4,COVERAGE TERMINATED',
      ),
      'REFERRAL_HIST.tsv': t(HIST_HEADER, decline('1'), decline('2'), decline('3'), decline('4'), decline('5')),
    });
    expect(events(out)).toEqual([
      '1 declined 2026-10-01 09:00:00 out_of_scope',
      '2 declined 2026-10-01 09:00:00 insurance',
      '3 declined 2026-10-01 09:00:00 other',
      '4 declined 2026-10-01 09:00:00 insurance',
      '5 declined 2026-10-01 09:00:00',
    ]);
  });

  it('reads the event time from CHANGE_LOCAL_DTTM, else CHANGE_DATETIME as UTC, else CHANGE_DATE at local midnight', async () => {
    const out = await run({
      'REFERRAL_HIST.tsv': t(
        HIST_HEADER,
        '1,1,10/1/2026,10/1/2026 1:00:00 PM,10/1/2026 9:00:00 AM,Accept Referral,,',
        '2,1,10/1/2026,10/1/2026 1:00:00 PM,,Accept Referral,,',
        '3,1,10/1/2026,,,Accept Referral,,',
        '4,1,,,,Accept Referral,,',
      ),
    });
    expect(out.rows('referral_events').map((e) => e.event_at)).toEqual(['2026-10-01 09:00:00', '2026-10-01T13:00:00Z', '2026-10-01 00:00:00', null]);
  });

  it('takes received_at from the earliest Create Referral as an instant, comparing UTC and local rows', async () => {
    const out = await run({
      'REFERRAL_HIST.tsv': t(
        HIST_HEADER,
        // 9:00 EDT is 13:00Z; the UTC row at 12:30Z is earlier although written later and "9:00" < "12:30" fails as text.
        '1,1,10/5/2026,,10/5/2026 9:00:00 AM,Create Referral,,',
        '1,2,10/5/2026,10/5/2026 12:30:00 PM,,Create Referral,,',
        // 13:30Z is 9:30 EDT: the local row at 9:00 wins.
        '2,1,10/5/2026,10/5/2026 1:30:00 PM,,Create Referral,,',
        '2,2,10/5/2026,,10/5/2026 9:00:00 AM,Create Referral,,',
        // A Create row whose time does not parse loses to one that does.
        '3,1,10/5/2026,,10/5/2026 25:00,Create Referral,,',
        '3,2,10/6/2026,,10/6/2026 8:00 AM,Create Referral,,',
      ),
      'REFERRAL_2.tsv': t('REFERRAL_ID,RFL_RECEIVED_DATE', '1,10/1/2026', '4,10/2/2026', '5,'),
      'REFERRAL.tsv': t(REFERRAL_HEADER, '1,P1,9/30/2026,,,,,,', '2,P2,9/30/2026,,,,,,', '3,P3,,,,,,,', '4,P4,9/30/2026,,,,,,', '5,P5,9/30/2026,,,,,,', '6,P6,,,,,,,'),
    });
    expect(out.rows('referrals').map((r) => `${r.referral_id} ${r.received_at}`)).toEqual([
      '1 2026-10-05T12:30:00Z',
      '2 2026-10-05 09:00:00',
      '3 2026-10-06 08:00:00',
      // No Create row: REFERRAL_2.RFL_RECEIVED_DATE, else ENTRY_DATE, else nothing (the validation quarantines it).
      '4 2026-10-02 00:00:00',
      '5 2026-09-30 00:00:00',
      '6 null',
    ]);
  });

  it('applies config overrides: new change types, a keyword switched off, keywords added after the defaults', async () => {
    const out = await run(
      {
        'REFERRAL_2.tsv': t('REFERRAL_ID,REJECT_REASON_C_NAME', '1,Plan of care not appropriate', '2,Out of network - duplicate'),
        'REFERRAL_HIST.tsv': t(
          HIST_HEADER,
          '1,1,10/1/2026,,10/1/2026 9:00:00 AM,Deny Referral,,',
          '2,1,10/1/2026,,10/1/2026 9:00:00 AM,Deny Referral,,',
          '3,1,10/1/2026,,10/1/2026 9:00:00 AM,Cancel Referral,,',
          '4,1,10/1/2026,,10/1/2026 9:00:00 AM,Accept Referral,,',
          '5,1,10/1/2026,,10/1/2026 9:00:00 AM,Pend Referral,,Prior auth pending',
        ),
      },
      {
        decline_reason: { plan: '', 'out of network': 'insurance' },
        change_type: { 'Cancel Referral': 'cancelled', 'accept referral': '' },
        pend_reason: { 'prior auth': 'doc_requested' },
      },
    );
    expect(events(out)).toEqual([
      '1 declined 2026-10-01 09:00:00 other',
      '2 declined 2026-10-01 09:00:00 duplicate',
      '3 cancelled 2026-10-01 09:00:00',
      '5 doc_requested 2026-10-01 09:00:00',
    ]);
    expect(skipsOf(out, 'REFERRAL_HIST.tsv')).toEqual(['5 not a funnel event']);
  });
});

describe('epic-ehi REFERRAL rules', () => {
  const tables = (...rows: string[]) => ({
    'CLARITY_DEP.tsv': t('DEPARTMENT_ID,DEPARTMENT_NAME', '101,cardiology clinic', '104,Dermatology Associates'),
    'REFERRAL.tsv': t(REFERRAL_HEADER, ...rows),
  });

  it('takes the first candidate a service line recognizes, else the first present as written', async () => {
    const out = await run(
      tables(
        '1,P,10/1/2026,,,,101,Internal Medicine,Dermatology', // department name alias, in any case
        '2,P,10/1/2026,,,,104,Internal Medicine,Dermatology', // none matches: REFD_TO_SPEC_C_NAME as written
        '3,P,10/1/2026,,,,104,,Dermatology', // none matches: PROV_SPEC_C_NAME as written
        '4,P,10/1/2026,,,,999,,', // department not in CLARITY_DEP: its id as written
        '5,P,10/1/2026,,,,,IMAGING,Cardiology', // the line's name, in any case, before a later match
        '6,P,10/1/2026,,,,,Imaging Services,', // near miss of an alias: as written
        '7,P,10/1/2026,,,,,,', // nothing: null (the validation quarantines it)
      ),
    );
    expect(out.rows('referrals').map((r) => r.service_line)).toEqual([
      'cardiology',
      'Internal Medicine',
      'Dermatology',
      '999',
      'imaging',
      'Imaging Services',
      null,
    ]);
  });

  it('maps urgency and referral type, counting only values outside the map', async () => {
    const out = await run(
      tables('1,P,10/1/2026,Lab,asap,,,,', '2,P,10/1/2026,Labs,A.S.A.P.,,,,', '3,P,10/1/2026,,,,,,', '4,P,10/1/2026,Discharge Follow-up,Elective,,,,'),
      { urgency: { Elective: 'urgent' } },
    );
    expect(out.rows('referrals').map((r) => `${r.urgency} ${r.referral_type}`)).toEqual([
      'stat diagnostic',
      'routine consult',
      'null null',
      'urgent post_discharge',
    ]);
    expect(out.issues.map((i) => `${i.column}: ${i.reason}`)).toEqual([
      "urgency: PRIORITY_C_NAME 'A.S.A.P.' is not in the urgency map: routine",
      "referral_type: RFL_TYPE_C_NAME 'Labs' is not in the referral_type map: consult",
    ]);
  });

  it('uses PAT_ID as patient_id, without counting, when the delivery has no PATIENT table with PAT_MRN_ID', async () => {
    const without = await run(tables('1,Z77,10/1/2026,,,,,,'));
    expect(without.rows('referrals')[0]?.patient_id).toBe('Z77');
    expect(without.issues).toEqual([]);
    const noMrnColumn = await run({ ...tables('1,Z77,10/1/2026,,,,,,'), 'PATIENT.tsv': t('PAT_ID,PAT_NAME', 'Z77,ZZTEST,ALPHA') });
    expect(noMrnColumn.rows('referrals')[0]?.patient_id).toBe('Z77');
    expect(noMrnColumn.issues).toEqual([]);
  });

  it('reads a missing column as null', async () => {
    const out = await run({ 'REFERRAL.tsv': t('REFERRAL_ID,PAT_ID,ENTRY_DATE', '1,P,10/1/2026') });
    expect(out.rows('referrals')).toEqual([
      {
        referral_id: '1', received_at: '2026-10-01 00:00:00', patient_id: 'P', referring_id: null, referring_name: null,
        referring_npi: null, service_line: null, urgency: null, referral_type: null,
      },
    ]);
  });
});

describe('epic-ehi PAT_ENC rules', () => {
  it('emits a contact and an appointment from one row that is both, counting the row once', async () => {
    const out = await run({
      'ASSOCIATED_REFERRALS.tsv': t('PAT_ENC_CSN_ID,LINE,ASSOCIATED_REFERRAL_ID', '9,2,R-late', '9,1,R1', '8,1,R2'),
      'PAT_ENC.tsv': t(ENC_HEADER, '9,P,10/2/2026,,Scheduled,,Y', '8,P,10/3/2026,,,,Yes', '7,P,10/4/2026,,,,N'),
    });
    expect(out.emitted.map((e) => `${e.origin.line} ${e.kind} ${e.row.referral_id}`)).toEqual([
      '2 referral_events R1',
      '2 appointments R1',
      '3 referral_events R2',
    ]);
    expect(skipsOf(out, 'PAT_ENC.tsv')).toEqual(['4 not an appointment']);
  });

  it('puts the summary on the first visit by time; an unreadable time is no candidate; ties go to the first row', async () => {
    const out = await run({
      'REFERRAL_2.tsv': t('REFERRAL_ID,RPT_SENT_DATE', 'A,11/2/2026', 'B,11/3/2026 4:00 PM'),
      'PAT_ENC_APPT.tsv': t('PAT_ENC_CSN_ID,LINE,PROV_START_TIME', '1,1,TBD', '3,1,10/20/2026 9:00 AM', '4,1,10/20/2026 9:00 AM'),
      'PAT_ENC.tsv': t(
        ENC_HEADER,
        '1,P,10/1/2026,,Completed,A,N', // start 'TBD' (emitted as written)
        '2,P,10/5/2026,,Checked Out,A,N',
        '3,P,10/20/2026,,Completed,B,N',
        '4,P,10/20/2026,,Arrived,B,N',
      ),
    });
    expect(out.rows('visits').map((v) => `${v.visit_id} ${v.visit_at} ${v.summary_sent_at}`)).toEqual([
      '1 TBD null',
      '2 2026-10-05 00:00:00 2026-11-02 00:00:00',
      '3 2026-10-20 09:00:00 2026-11-03 16:00:00',
      '4 2026-10-20 09:00:00 null',
    ]);
  });

  it('maps appointment statuses from the config too, and emits an unknown status as written', async () => {
    const out = await run(
      { 'PAT_ENC.tsv': t(ENC_HEADER, '1,P,10/1/2026,,Bumped,,N', '2,P,10/1/2026,,Pending,,N', '3,P,10/1/2026,,Wait List,,N', '4,P,10/1/2026,,No Show ,,N') },
      { appointment_status: { Pending: 'booked' } },
    );
    expect(out.rows('appointments').map((a) => a.status)).toEqual(['cancelled', 'booked', 'Wait List', 'no_show']);
    expect(out.rows('visits')).toEqual([]);
  });

  it('reads the service line of an appointment from its department name, else its id', async () => {
    const out = await run({
      'CLARITY_DEP.tsv': t('DEPARTMENT_ID,DEPARTMENT_NAME', '103,Imaging Center'),
      'PAT_ENC.tsv': t(ENC_HEADER, '1,P,10/1/2026,103,Scheduled,,N', '2,P,10/1/2026,105,Scheduled,,N', '3,P,10/1/2026,,Scheduled,,N'),
    });
    expect(out.rows('appointments').map((a) => a.service_line)).toEqual(['imaging', '105', null]);
  });
});

describe('epic-ehi providers', () => {
  it('emits a CLARITY_SER row only when a referral names it and REFERRAL_SOURCE does not hold it', async () => {
    const out = await run({
      'REFERRAL_SOURCE.tsv': t('REFERRING_PROV_ID,REFERRING_PROV_NAM', 'S1,Alpha MD'),
      'CLARITY_SER.tsv': t('PROV_ID,PROV_NAME', 'S1,ALPHA', 'S2,Bravo MD', 'S3,Charlie MD', 's2,Lowercase id'),
      'REFERRAL.tsv': t(REFERRAL_HEADER, '1,P,10/1/2026,,,S1,,,', '2,P,10/1/2026,,,S2,,,'),
    });
    expect(out.rows('providers')).toEqual([
      { provider_id: 'S1', name: 'Alpha MD', npi: null },
      { provider_id: 'S2', name: 'Bravo MD', npi: null },
    ]);
    expect(out.skipCounts()['CLARITY_SER.tsv']).toEqual({ lookup: 1, 'not a referrer': 2 });
    expect(out.rows('referrals').map((r) => r.referring_name)).toEqual(['Alpha MD', 'Bravo MD']);
  });
});

describe('epic-ehi default maps', () => {
  it('map only onto the values each map allows, so the profile init writes is valid as written', async () => {
    const { defaultMaps, mapTargets } = await import('../../src/sources/epic-ehi/index.ts');
    expect(Object.keys(mapTargets).sort()).toEqual(Object.keys(defaultMaps).sort());
    for (const [name, entries] of Object.entries(defaultMaps)) {
      for (const to of Object.values(entries)) expect({ name, to, allowed: mapTargets[name as keyof typeof mapTargets].includes(to) }).toEqual({ name, to, allowed: true });
    }
  });

  it('keep the keyword order of the spec: out of scope before insurance before clinical before duplicate', async () => {
    const { defaultMaps } = await import('../../src/sources/epic-ehi/index.ts');
    expect(Object.keys(defaultMaps.decline_reason)).toEqual(['scope', 'not offered', 'not a covered service', 'insurance', 'plan', 'coverage', 'clinical', 'duplicate']);
  });
});
