// Epic time values into canonical times: every accepted form, the edges of
// each field, and the column-name rule that says a value is UTC.
import { describe, expect, it } from 'vitest';
import { canonicalTime, epochOf, isEarlier, isUtcColumn, parseTimeOfDay } from '../../src/sources/epic-ehi/times.ts';

describe('epic-ehi times', () => {
  it.each([
    ['11/2/2026 9:15:00 AM', '2026-11-02 09:15:00'],
    ['11/2/2026 9:15 PM', '2026-11-02 21:15:00'],
    ['1/31/2026 12:05:00 AM', '2026-01-31 00:05:00'],
    ['1/31/2026 12:05:00 PM', '2026-01-31 12:05:00'],
    ['01/09/2026 11:59:59 pm', '2026-01-09 23:59:59'],
    ['3/4/2026 14:30', '2026-03-04 14:30:00'],
    ['3/4/2026 0:30:15', '2026-03-04 00:30:15'],
    ['3/4/2026', '2026-03-04 00:00:00'],
    ['2026-03-04', '2026-03-04 00:00:00'],
    ['2026-03-04 07:08', '2026-03-04 07:08:00'],
    ['2026-03-04T07:08:09', '2026-03-04 07:08:09'],
    ['2026-03-04 07:08:09.123', '2026-03-04 07:08:09'],
    ['2/29/2028', '2028-02-29 00:00:00'],
    [' 3/4/2026 9:00 AM ', '2026-03-04 09:00:00'],
  ])('reads the local time %j as %j', (value, expected) => {
    expect(canonicalTime(value, 'CHANGE_LOCAL_DTTM')).toBe(expected);
  });

  it.each([
    '13/1/2026',
    '2/29/2027',
    '4/31/2026',
    '0/1/2026',
    '1/1/26',
    '3/4/2026 13:00 PM',
    '3/4/2026 0:30 AM',
    '3/4/2026 24:00',
    '3/4/2026 9:60',
    '3/4/2026 9:5',
    '2026-3-4',
    '2026-03-04X07:08',
    '3/4/2026 9:00 AM extra',
    'yesterday',
  ])('leaves %j as written (it does not parse)', (value) => {
    expect(canonicalTime(value, 'CONTACT_DATE')).toBe(value);
  });

  it('reads CHANGE_DATETIME and *_UTC_DTTM columns as UTC, every other column as local', () => {
    expect(isUtcColumn('CHANGE_DATETIME')).toBe(true);
    expect(isUtcColumn('APPT_MADE_UTC_DTTM')).toBe(true);
    expect(isUtcColumn('CHANGE_LOCAL_DTTM')).toBe(false);
    expect(isUtcColumn('CHANGE_DATE')).toBe(false);
    expect(isUtcColumn('UTC_DTTM_NOTE')).toBe(false);
    expect(canonicalTime('10/9/2026 1:30:00 PM', 'CHANGE_DATETIME')).toBe('2026-10-09T13:30:00Z');
    expect(canonicalTime('10/9/2026 1:30:00 PM', 'ENTRY_UTC_DTTM')).toBe('2026-10-09T13:30:00Z');
    expect(canonicalTime('10/9/2026 1:30:00 PM', 'CHANGE_LOCAL_DTTM')).toBe('2026-10-09 13:30:00');
    expect(canonicalTime('10/9/2026', 'CHANGE_DATETIME')).toBe('2026-10-09T00:00:00Z');
  });

  it('keeps an explicit ISO Z as UTC whatever the column', () => {
    expect(canonicalTime('2026-10-09T13:30:00Z', 'CONTACT_DATE')).toBe('2026-10-09T13:30:00Z');
  });

  it('reads a time of day alone', () => {
    expect(parseTimeOfDay('2:05 PM')).toEqual({ hour: 14, minute: 5, second: 0 });
    expect(parseTimeOfDay('14:05:30')).toEqual({ hour: 14, minute: 5, second: 30 });
    expect(parseTimeOfDay('10/6/2026 2:05 PM')).toBeUndefined();
  });

  it('orders a local and a UTC time as instants in the practice zone', () => {
    // 09:00 EDT is 13:00Z.
    expect(epochOf('2026-10-10 09:00:00', 'America/New_York')).toBe(Date.parse('2026-10-10T13:00:00Z'));
    // 09:00 EST (after the fall-back) is 14:00Z.
    expect(epochOf('2026-11-10 09:00:00', 'America/New_York')).toBe(Date.parse('2026-11-10T14:00:00Z'));
    expect(isEarlier('2026-10-10 09:00:00', '2026-10-10T13:00:01Z', 'America/New_York')).toBe(true);
    expect(isEarlier('2026-10-10 09:00:02', '2026-10-10T13:00:01Z', 'America/New_York')).toBe(false);
    expect(isEarlier('2026-10-10T12:59:59Z', '2026-10-10 09:00:00', 'America/New_York')).toBe(true);
  });

  it('puts a local time in the fall-back hour at its first occurrence', () => {
    // 2026-11-01 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(epochOf('2026-11-01 01:30:00', 'America/New_York')).toBe(Date.parse('2026-11-01T05:30:00Z'));
  });
});
