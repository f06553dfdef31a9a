// The fhir-r4 adapter over public samples: the HL7 FHIR R4 specification's
// examples (one resource or a Bundle per .json file) and a Synthea bulk
// export (NDJSON). Nothing may crash, every resource must be accounted for,
// and what loads is checked on a few resources read by hand.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalKind } from '../../src/sources/adapter.ts';
import { fhirR4Adapter } from '../../src/sources/fhir-r4/index.ts';
import { accountFor, adapterContext, deliveryOf, FHIR_CONFIG, type Recorded, recordingOutput } from './fixtures/fhir-delivery.ts';

const REAL = join(import.meta.dirname, '../../../shared/reference/real');
const R4_EXAMPLES = join(REAL, 'fhir-r4-examples');
const SYNTHEA = join(REAL, 'synthea-bulk-fhir');

/** Resources per file, counted without the adapter: non-blank NDJSON lines; a Bundle's entries; else one. */
async function countResources(folder: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of (await readdir(folder)).sort()) {
    const text = await readFile(join(folder, name), 'utf8');
    if (/\.ndjson$/i.test(name)) counts[name] = text.split('\n').filter((l) => l.trim() !== '').length;
    else if (/\.json$/i.test(name)) {
      const json = JSON.parse(text);
      counts[name] = json.resourceType === 'Bundle' ? (json.entry ?? []).length : 1;
    }
  }
  return counts;
}

async function readFolder(folder: string): Promise<Recorded> {
  const out = recordingOutput();
  await fhirR4Adapter.read(await deliveryOf(folder, 'sample'), adapterContext(fhirR4Adapter, FHIR_CONFIG), out);
  return out.recorded;
}

const rowsOf = (r: Recorded, kind: CanonicalKind) => r.emits.filter((e) => e.kind === kind).map((e) => e.row);

describe.skipIf(!existsSync(R4_EXAMPLES))('FHIR R4 specification examples (skipped: ../shared/reference/real/fhir-r4-examples beside the checkout is absent)', () => {
  let r: Recorded;
  beforeAll(async () => {
    r = await readFolder(R4_EXAMPLES);
  });

  it('reads every file, counting the resources as an independent count does', async () => {
    expect(Object.fromEntries(r.reads)).toEqual(await countResources(R4_EXAMPLES));
  });

  it('accounts for every resource: emitted + skipped + quarantined = read, with nothing quarantined', () => {
    expect(accountFor(r).problems).toEqual([]);
    expect(r.quarantines).toEqual([]);
  });

  it('makes a referral of the ServiceRequest a Task is focused on, received at the earliest Task.authoredOn', () => {
    const lipid = rowsOf(r, 'referrals').filter((x) => x.referral_id === 'lipid');
    expect(lipid).toHaveLength(1);
    // The request has no authoredOn; Tasks example1, 5 and 6 were all authored at 08:25:05+10:00.
    expect(lipid[0]).toMatchObject({ received_at: '2016-10-31T08:25:05+10:00', patient_id: 'example', referring_id: 'example', referring_name: 'Adam Careful' });
    // The three Tasks (in-progress, in-progress, completed) are each accepted at executionPeriod.start.
    expect(rowsOf(r, 'referral_events').filter((e) => e.referral_id === 'lipid')).toEqual(
      Array(3).fill({ referral_id: 'lipid', event_type: 'accepted', event_at: '2016-10-31T08:25:05+10:00', detail: undefined }),
    );
  });

  it('makes a referral of the request an Appointment and an Encounter are based on, its requester named by an absolute URL', () => {
    expect(rowsOf(r, 'referrals').find((x) => x.referral_id === 'myringotomy')).toMatchObject({
      received_at: '2014-02-14 00:00:00',
      patient_id: '77662',
      referring_id: '77272',
      referring_name: 'Serena Shrink',
    });
    expect(rowsOf(r, 'appointments').find((x) => x.appointment_id === 'example')).toMatchObject({ referral_id: 'myringotomy', start_at: '2013-12-10T09:00:00Z', status: 'booked', booked_at: '2013-10-10 00:00:00' });
    expect(rowsOf(r, 'visits').find((x) => x.visit_id === 'f203')).toMatchObject({ referral_id: 'myringotomy', appointment_id: 'example', visit_at: '2013-03-11 00:00:00' });
  });

  it('leaves other requests, Tasks on claims, in-progress Encounters and a proposal without a time out', () => {
    const referralIds = rowsOf(r, 'referrals').map((x) => x.referral_id).sort();
    expect(referralIds).toEqual(['lipid', 'myringotomy']);
    const rule = (file: string) => r.skips.filter((s) => s.origin.file === file).map((s) => s.rule);
    expect(rule('servicerequest-example-ambulation.json')).toEqual(['not a referral']);
    expect(rule('task-example-fm-cancel.json')).toEqual(['not a referral task']);
    expect(rule('task-example3.json')).toEqual(['not a referral task']);
    expect(rule('encounter-example.json')).toEqual(['not finished']);
    expect(rule('appointment-example-request.json')).toEqual(['no start']);
  });

  it('reads a Practitioner’s NPI from a Bundle entry', () => {
    expect(rowsOf(r, 'providers').filter((p) => p.npi !== undefined)).toEqual([
      { npi: '1122334499', provider_id: '1', name: 'Crusher Beverly', specialty: undefined, practice: undefined, organization: undefined, zip: undefined },
    ]);
  });
});

describe.skipIf(!existsSync(SYNTHEA))('Synthea bulk export (skipped: ../shared/reference/real/synthea-bulk-fhir beside the checkout is absent)', () => {
  let r: Recorded;
  beforeAll(async () => {
    r = await readFolder(SYNTHEA);
  });

  it('reads every NDJSON file, counting the resources as an independent count does, and accounts for each', async () => {
    expect(Object.fromEntries(r.reads)).toEqual(await countResources(SYNTHEA));
    expect(accountFor(r).problems).toEqual([]);
    expect(r.quarantines).toEqual([]);
  });

  it('makes a visit of every finished Encounter at its period.start instant, the patient by MRN', async () => {
    const lines = (await readFile(join(SYNTHEA, 'Encounter.000.ndjson'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
    const finished = lines.map((l) => JSON.parse(l)).filter((e) => e.status === 'finished');
    const visits = rowsOf(r, 'visits');
    expect(visits).toHaveLength(finished.length);
    expect(visits.map((v) => v.visit_at)).toEqual(finished.map((e) => e.period.start));
    expect(visits.find((v) => v.visit_id === '00c7f717-4030-5582-2ed8-888ad2bc878e')).toEqual({
      visit_id: '00c7f717-4030-5582-2ed8-888ad2bc878e',
      referral_id: undefined,
      appointment_id: undefined,
      // The Patient's MR identifier (Synthea writes the id there too).
      patient_id: '79a66c97-6131-3213-f3c9-4606946ab056',
      // No serviceType: the encounter type's SNOMED code as written, until an alias names it.
      service_line: '185347001',
      visit_at: '1989-10-04T02:25:16-04:00',
      summary_sent_at: undefined,
    });
  });

  it('reads a Practitioner’s NPI, and its role’s specialty and organization named by identifier', () => {
    expect(rowsOf(r, 'providers')).toHaveLength(43);
    expect(rowsOf(r, 'providers').find((p) => p.provider_id === '0965e26a-8bc3-395f-b7b0-4620fb6e778c')).toEqual({
      npi: '9999908392',
      provider_id: '0965e26a-8bc3-395f-b7b0-4620fb6e778c',
      name: 'Irvin970 Emard19',
      specialty: '208D00000X',
      practice: 'HAND IN HAND HOSPICE',
      organization: 'HAND IN HAND HOSPICE',
      zip: '66801',
    });
  });

  it('skips Patients, Organizations and PractitionerRoles as lookups', () => {
    const lookups = r.skips.filter((s) => s.rule === 'lookup').length;
    expect(lookups).toBe((r.reads.get('Patient.000.ndjson') ?? 0) + (r.reads.get('Organization.000.ndjson') ?? 0) + (r.reads.get('PractitionerRole.000.ndjson') ?? 0));
  });
});
