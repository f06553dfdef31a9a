// How the vendor demos write time and bytes: Epic's 12-hour local times, FHIR
// offsets that follow New York's daylight-saving rules, Windows-1252 bytes,
// unquoted TSV and numbered NDJSON files.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayNumber, MINUTES_PER_DAY } from '../../src/demo/calendar.ts';
import { encodeWindows1252, NdjsonFiles, TsvTable } from '../../src/demo/vendor/files.ts';
import { DEMO_TIMEZONE, epicDate, epicDateTime, fhirLocal, fhirUtc, utcMinute, utcOffsetMinutes } from '../../src/demo/vendor/time.ts';

const at = (date: string, hh: number, mm: number) => dayNumber(date) * MINUTES_PER_DAY + hh * 60 + mm;

const OFFSET_NAME = new Intl.DateTimeFormat('en-US', { timeZone: DEMO_TIMEZONE, timeZoneName: 'longOffset' });
/** New York's offset at a UTC instant, as the platform's time-zone database says. */
function zoneOffset(utcMs: number): number {
  const name = OFFSET_NAME.formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')!.value;
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Windows-1252 as WHATWG defines it. Node's one-shot decode() reads it as Latin-1 (nodejs/node#56542); the streaming path does not. */
function decodeWindows1252(bytes: Uint8Array): string {
  const decoder = new TextDecoder('windows-1252');
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

describe('local time in the demo zone', () => {
  it('agrees with the time-zone database on the offset of every hour of 2024 to 2026', () => {
    const mismatches: string[] = [];
    for (let utc = Date.UTC(2024, 0, 1); utc < Date.UTC(2027, 0, 1); utc += 60 * 60_000) {
      const offset = zoneOffset(utc);
      const local = utc / 60_000 + offset;
      // The second 01:xx of a fall-back night is the one local time that names two instants; the first is meant.
      const repeated = zoneOffset(utc - 3_600_000) !== offset && offset === -300;
      if (!repeated && utcOffsetMinutes(local) !== offset) mismatches.push(new Date(utc).toISOString());
      if (!repeated && utcMinute(local) !== utc / 60_000) mismatches.push(`round trip ${new Date(utc).toISOString()}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('switches to daylight time at 03:00 on the second Sunday of March and back at 02:00 on the first Sunday of November', () => {
    expect(utcOffsetMinutes(at('2025-03-09', 1, 59))).toBe(-300);
    expect(utcOffsetMinutes(at('2025-03-09', 3, 0))).toBe(-240);
    expect(utcOffsetMinutes(at('2025-11-02', 1, 59))).toBe(-240); // the first 01:59
    expect(utcOffsetMinutes(at('2025-11-02', 2, 0))).toBe(-300);
    expect(utcOffsetMinutes(at('2026-03-08', 3, 0))).toBe(-240);
    expect(utcOffsetMinutes(at('2026-03-07', 12, 0))).toBe(-300);
  });

  it('reads a time in the spring-forward gap as standard time, so it lands an hour later on the clock', () => {
    // 02:30 does not exist on 2025-03-09; the contract moves it forward to 03:30 EDT, which is 07:30Z.
    expect(fhirUtc(at('2025-03-09', 2, 30))).toBe('2025-03-09T07:30:00Z');
    expect(fhirUtc(at('2025-03-09', 3, 30))).toBe('2025-03-09T07:30:00Z');
  });
});

describe('vendor time formats', () => {
  it('writes Epic times on a 12-hour clock without leading zeros, midnight and noon as 12', () => {
    expect(epicDateTime(at('2025-03-05', 0, 5))).toBe('3/5/2025 12:05:00 AM');
    expect(epicDateTime(at('2025-03-05', 11, 59))).toBe('3/5/2025 11:59:00 AM');
    expect(epicDateTime(at('2025-03-05', 12, 0))).toBe('3/5/2025 12:00:00 PM');
    expect(epicDateTime(at('2025-12-31', 23, 7))).toBe('12/31/2025 11:07:00 PM');
    expect(epicDate(dayNumber('2025-10-01'))).toBe('10/1/2025');
  });

  it('writes FHIR local times with the offset in force and UTC times with Z', () => {
    expect(fhirLocal(at('2025-01-15', 9, 7))).toBe('2025-01-15T09:07:00-05:00');
    expect(fhirLocal(at('2025-07-15', 9, 7))).toBe('2025-07-15T09:07:00-04:00');
    expect(fhirUtc(at('2025-07-15', 21, 30))).toBe('2025-07-16T01:30:00Z');
    expect(Date.parse(fhirLocal(at('2025-07-15', 21, 30)))).toBe(Date.parse(fhirUtc(at('2025-07-15', 21, 30))));
  });
});

describe('vendor files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'refloop-vendor-files-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('encodes Windows-1252 so that its decoder gives back the text, curly apostrophe and dash included', () => {
    const text = 'St. Luke’s – Lefèvre, René; 20 €';
    const bytes = encodeWindows1252(text);
    expect(bytes.length).toBe([...text].length);
    expect(bytes[8]).toBe(0x92);
    expect(decodeWindows1252(bytes)).toBe(text);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
  });

  it('agrees with the WHATWG decoder on all 256 bytes', () => {
    for (let byte = 0; byte < 256; byte++) expect([...encodeWindows1252(decodeWindows1252(Uint8Array.of(byte)))], `byte ${byte}`).toEqual([byte]);
  });

  it('refuses a character Windows-1252 cannot hold rather than writing a wrong byte', () => {
    expect(() => encodeWindows1252('Łódź')).toThrow(/U\+0141/);
  });

  it('writes a TSV table with CRLF rows, empty cells for unnamed columns, and refuses values that would break the columns', async () => {
    const table = new TsvTable(dir, 'T', ['A', 'B', 'C']);
    table.write({ A: 'x', C: 3 });
    expect(() => table.write({ A: 'a\tb' })).toThrow(/T\.A/);
    expect(() => table.write({ A: 'a\nb' })).toThrow(/line break/);
    expect(() => table.write({ D: 'x' })).toThrow(/no column D/);
    table.close();
    expect(await readFile(join(dir, 'T.tsv'), 'utf8')).toBe('A\tB\tC\r\nx\t\t3\r\n');
  });

  it('splits NDJSON into numbered files of at most the given number of lines', async () => {
    const files = new NdjsonFiles(dir, 'Patient', 2);
    for (let i = 1; i <= 5; i++) files.write({ resourceType: 'Patient', id: `p${i}` });
    files.close();
    expect((await readdir(dir)).filter((n) => n.startsWith('Patient.')).sort()).toEqual(['Patient.000.ndjson', 'Patient.001.ndjson', 'Patient.002.ndjson']);
    expect(await readFile(join(dir, 'Patient.002.ndjson'), 'utf8')).toBe('{"resourceType":"Patient","id":"p5"}\n');
    expect(() => new NdjsonFiles(dir, 'Task').write({ resourceType: 'Patient' })).toThrow(/Patient written to the Task/);
  });
});
