// The fhir-r4 adapter's value readers on their own: FHIR dateTimes, the
// practice's wall clock, Bundle entry lines, decline keywords.
import { describe, expect, it } from 'vitest';
import { fhirTime } from '../../src/sources/fhir-r4/datetime.ts';
import { fhirR4Adapter } from '../../src/sources/fhir-r4/index.ts';
import { Maps } from '../../src/sources/fhir-r4/maps.ts';
import { bundleEntryLines } from '../../src/sources/fhir-r4/records.ts';
import { References } from '../../src/sources/fhir-r4/references.ts';
import { dayText, mondayOf, Zone } from '../../src/sources/fhir-r4/zone.ts';
import { adapterContext, FHIR_CONFIG } from './fixtures/fhir-delivery.ts';

const ny = new Zone('America/New_York');
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('FHIR dateTime to canonical text', () => {
  it.each([
    ['2017', '2017-01-01 00:00:00', true, '2017-01-01T05:00:00.000Z'],
    ['2017-03', '2017-03-01 00:00:00', true, '2017-03-01T05:00:00.000Z'],
    ['2017-03-05', '2017-03-05 00:00:00', false, '2017-03-05T05:00:00.000Z'],
    ['2017-03-05T10:00:00Z', '2017-03-05T10:00:00Z', false, '2017-03-05T10:00:00.000Z'],
    ['2017-03-05T10:00:00+01:00', '2017-03-05T10:00:00+01:00', false, '2017-03-05T09:00:00.000Z'],
    ['2017-03-05T10:00+01:00', '2017-03-05T10:00:00+01:00', false, '2017-03-05T09:00:00.000Z'],
    ['2017-03-05T10:00:00.987-05:00', '2017-03-05T10:00:00-05:00', false, '2017-03-05T15:00:00.000Z'],
    ['2017-07-05T10:00', '2017-07-05 10:00:00', false, '2017-07-05T14:00:00.000Z'],
    [' 2017-03-05 ', '2017-03-05 00:00:00', false, '2017-03-05T05:00:00.000Z'],
  ])('%s → %s', (value, text, partial, instant) => {
    const time = fhirTime(value, ny)!;
    expect(time.text).toBe(text);
    expect(time.partial).toBe(partial);
    expect(iso(time.ms)).toBe(instant);
  });

  it.each(['03/05/2017', '2017-13-01', '2017-02-29', '2017-03-05T25:00:00Z', '2017-03-05T10:00:00+15:00', '2017-03-05 10:00', 'yesterday'])(
    'hands on %s as written, with no instant, for the canonical validation to reject',
    (value) => {
      expect(fhirTime(value, ny)).toEqual({ text: value, partial: false });
    },
  );

  it('has nothing for an absent or empty value', () => {
    expect(fhirTime(undefined, ny)).toBeUndefined();
    expect(fhirTime('  ', ny)).toBeUndefined();
    expect(fhirTime(20170305, ny)).toBeUndefined();
  });
});

describe('the practice wall clock', () => {
  it('moves a time in the spring-forward gap forward by the gap', () => {
    // 2017-03-12 02:30 does not exist in New York: it is 03:30 EDT = 07:30Z.
    expect(iso(ny.instantOf(2017, 3, 12, 2, 30))).toBe('2017-03-12T07:30:00.000Z');
    expect(iso(ny.instantOf(2017, 3, 12, 1, 59))).toBe('2017-03-12T06:59:00.000Z');
    expect(iso(ny.instantOf(2017, 3, 12, 3, 0))).toBe('2017-03-12T07:00:00.000Z');
  });

  it('takes the first of a time that occurs twice in the fall-back hour', () => {
    expect(iso(ny.instantOf(2017, 11, 5, 1, 30))).toBe('2017-11-05T05:30:00.000Z');
    expect(iso(ny.instantOf(2017, 11, 5, 2, 0))).toBe('2017-11-05T07:00:00.000Z');
  });

  it('names the local day and its Monday', () => {
    // Monday 03:30 UTC is Sunday evening in New York.
    expect(dayText(mondayOf(ny.localDay(Date.parse('2017-03-27T03:30:00Z'))))).toBe('2017-03-20');
    expect(dayText(mondayOf(ny.localDay(Date.parse('2017-03-27T04:00:00Z'))))).toBe('2017-03-27');
    expect(dayText(mondayOf(ny.localDay(Date.parse('1969-12-31T12:00:00Z'))))).toBe('1969-12-29');
  });
});

describe('Bundle entry lines', () => {
  it('names the line where each entry’s resource starts, or the entry’s own line when it has none', () => {
    const text = [
      '{ "resourceType": "Bundle", "type": "history",', // 1
      '  "meta": { "tag": [ { "code": "entry" } ] },', // 2 (an "entry" string that is not the key)
      '  "entry": [', // 3
      '    { "fullUrl": "urn:uuid:a",', // 4
      '      "resource": {', // 5
      '        "resourceType": "Patient", "note": "a \\" quoted } brace" } },', // 6
      '    { "request": { "method": "DELETE", "url": "Patient/2" } },', // 7
      '    { "resource":', // 8
      '      { "resourceType": "Task", "input": [ { "entry": [1, 2] } ] } }', // 9
      '  ] }', // 10
    ].join('\n');
    expect(JSON.parse(text).entry).toHaveLength(3);
    expect(bundleEntryLines(text)).toEqual([5, 7, 9]);
  });

  it('puts every entry of a one-line Bundle on line 1', () => {
    const text = JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient' } }, { resource: { resourceType: 'Task' } }] });
    expect(bundleEntryLines(text)).toEqual([1, 1]);
  });
});

describe('references', () => {
  const refs = new References();
  refs.addAlias('urn:uuid:abc-1', 'ServiceRequest/abc-1');
  refs.addIdentifier('Practitioner', 'http://hl7.org/fhir/sid/us-npi', '1234567893', 'Practitioner/p1');

  it.each([
    [{ reference: 'Practitioner/123' }, 'Practitioner/123'],
    [{ reference: 'Practitioner/123/_history/4' }, 'Practitioner/123'],
    [{ reference: 'https://ehr.example.org/fhir/R4/Practitioner/123' }, 'Practitioner/123'],
    [{ reference: 'urn:uuid:ABC-1' }, 'ServiceRequest/abc-1'],
    [{ reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1234567893' }, 'Practitioner/p1'],
    [{ reference: 'Practitioner?identifier=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Fus-npi%7C1234567893' }, 'Practitioner/p1'],
    [{ identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' } }, 'Practitioner/p1'],
    [{ reference: '#contained-1' }, undefined],
    [{ display: 'Dr. Someone' }, undefined],
  ])('%j names %s', (reference, key) => {
    expect(refs.find(reference, 'Practitioner')).toBe(key);
  });
});

describe('decline keywords', () => {
  const maps = new Maps(adapterContext(fhirR4Adapter, FHIR_CONFIG));

  it.each([
    ['Outside our scope of practice', 'out_of_scope'],
    ['Procedure NOT OFFERED here', 'out_of_scope'],
    ['Not a covered service', 'out_of_scope'],
    // Both "duplicate" and "insurance": the keyword earlier in the map wins.
    ['Duplicate request; insurance lapsed', 'insurance'],
    ['Coverage ended', 'insurance'],
    ['Not clinically indicated', 'clinical'],
    ['Duplicate of an open referral', 'duplicate'],
    ['Patient moved away', 'other'],
  ])('%s → %s', (reason, detail) => {
    expect(maps.declineDetail(reason)).toBe(detail);
  });

  it('is other when there is no reason', () => {
    expect(maps.declineDetail(undefined)).toBe('other');
  });
});
