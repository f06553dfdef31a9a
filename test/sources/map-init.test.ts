// `refloop map` (the dry run a practice finishes its mapping with) and
// `refloop init --profile` (the starting config), run as a user would.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ADAPTERS } from '../../src/sources/registry.ts';
import { refloop } from '../helpers/cli.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refloop-map-'));
  await mkdir(join(dir, 'data/inbox'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const CONFIG = {
  timezone: 'America/New_York',
  service_lines: [{ id: 'cardiology', name: 'Cardiology' }],
  feeds: {
    appointments: {
      files: ['Appointment Report*.tsv'],
      map: {
        appointment_id: 'Appt #',
        patient_id: 'MRN',
        service_line: 'Department',
        start_at: { column: 'Appt Time', formats: ['%m/%d/%Y %I:%M %p', '%m/%d/%Y'] },
        status: { column: 'Appt Status', values: { 'Checked Out': 'completed', Scheduled: 'booked' }, unmapped: 'quarantine' },
      },
      filters: [{ name: 'no test patients', column: 'Notes', not_in: ['TEST'] }],
    },
  },
};

const REPORT = [
  'Appt #\tMRN\tDepartment\tAppt Time\tAppt Status\tNotes\tProvider',
  'A1\tMRN-SECRET-1\tCardiology\t11/03/2026 2:30 PM\tChecked Out\t\tDr X',
  'A2\tMRN-SECRET-2\tPodiatry\t11/04/2026\tBumped\t\tDr Y',
  'A3\tMRN-SECRET-3\tCardiology\t11/05/2026\tScheduled\tTEST\tDr Z',
].join('\n');

describe('refloop map', () => {
  it('shows per column what mapped and what did not, unused columns and filter skips, and loads nothing', async () => {
    await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(CONFIG));
    await writeFile(join(dir, 'data/inbox/Appointment Report 1.tsv'), `${REPORT}\n`);
    const result = refloop(['map', '--format', 'json'], { cwd: dir });
    expect(result.stderr).toBe('');
    const { files } = JSON.parse(result.stdout) as { files: { kind: string; rows: number; columns: { column: string; present: number; problems: { reason: string; rows: number }[]; values: { value: string; mapped_to: string | null; rows: number }[] }[]; unused_columns: string[]; filters: { rule: string; would_skip: number }[] }[] };
    expect(files).toHaveLength(1);
    const [report] = files;
    expect(report!.rows).toBe(3);
    const column = (name: string) => report!.columns.find((c) => c.column === name)!;
    // The filter's row is out of the counts: two rows remain.
    expect(column('status').problems).toEqual([{ reason: 'is not in the value map', rows: 1 }]);
    expect(column('status').values).toEqual([
      { value: 'Bumped', mapped_to: null, rows: 1 },
      { value: 'Checked Out', mapped_to: 'completed', rows: 1 },
    ]);
    expect(column('service_line').values).toEqual([
      { value: 'Podiatry', mapped_to: null, rows: 1 },
      { value: 'Cardiology', mapped_to: 'cardiology', rows: 1 },
    ]);
    expect(column('patient_id').present).toBe(2);
    expect(column('patient_id').values).toEqual([]);
    expect(report!.unused_columns).toEqual(['Provider']);
    expect(report!.filters).toEqual([{ rule: 'no test patients', would_skip: 1 }]);
    // PHI never appears, and nothing was loaded.
    expect(result.stdout).not.toContain('MRN-SECRET');
    expect(existsSync(join(dir, 'data/warehouse.duckdb'))).toBe(false);
    expect(existsSync(join(dir, 'data/.refloop-map'))).toBe(false);
  });

  it('says which required column a file lacks', async () => {
    await writeFile(join(dir, 'refloop.config.json'), JSON.stringify(CONFIG));
    await writeFile(join(dir, 'data/inbox/Appointment Report 2.tsv'), 'Appt #\tMRN\n1\t2\n');
    const result = refloop(['map'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('would be refused: its header lacks the required columns service_line (mapped from "Department"), start_at (mapped from "Appt Time"), status (mapped from "Appt Status")');
  });
});

describe('refloop init --profile', () => {
  it('writes a config that loads, with the adapter’s default maps spelled out', async () => {
    const result = refloop(['init', '--profile', 'epic-ehi', '--timezone', 'America/Chicago'], { cwd: dir });
    expect(result.code).toBe(0);
    const written = JSON.parse(await readFile(join(dir, 'refloop.config.json'), 'utf8'));
    expect(() => parseConfig(written)).not.toThrow();
    expect(written.timezone).toBe('America/Chicago');
    expect(written.sources).toEqual([{ name: 'epic', adapter: 'epic-ehi', path: 'epic', maps: ADAPTERS['epic-ehi'].defaultMaps }]);
    expect(Object.keys(ADAPTERS['epic-ehi'].defaultMaps).length).toBeGreaterThan(0);
  });

  it('adds a source to an existing config and keeps the rest', async () => {
    await writeFile(join(dir, 'refloop.config.json'), JSON.stringify({ ...CONFIG, min_cell_size: 20 }));
    expect(refloop(['init', '--profile', 'fhir-r4'], { cwd: dir }).code).toBe(0);
    expect(refloop(['init', '--profile', 'nppes'], { cwd: dir }).code).toBe(0);
    const written = JSON.parse(await readFile(join(dir, 'refloop.config.json'), 'utf8'));
    expect(written.min_cell_size).toBe(20);
    expect(written.feeds).toEqual(CONFIG.feeds);
    expect(written.sources.map((s: { name: string; adapter: string }) => `${s.name}:${s.adapter}`)).toEqual(['fhir:fhir-r4', 'nppes:nppes']);
  });

  it('refuses an unknown profile', () => {
    const result = refloop(['init', '--profile', 'cerner'], { cwd: dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--profile must be one of csv, epic-ehi, fhir-r4, nppes');
  });
});

describe('a source’s value maps are checked when the config loads', () => {
  const base = { timezone: 'America/New_York', service_lines: [{ id: 'cardiology', name: 'Cardiology' }] };
  const problems = (maps: object) => {
    try {
      parseConfig({ ...base, sources: [{ name: 'epic', adapter: 'epic-ehi', path: 'epic', maps }] });
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };

  it('accepts an override onto an allowed value, and "" to switch a default off', () => {
    expect(problems({ appointment_status: { Arrived: 'completed', Bumped: '' } })).toEqual([]);
  });

  it('refuses a map the adapter does not have, and a value outside a closed map', () => {
    expect(problems({ appointment_statuses: { Arrived: 'completed' } })).toEqual([expect.stringMatching(/^\$\.sources\[0\]\.maps\.appointment_statuses: the epic-ehi adapter has no map/)]);
    expect(problems({ appointment_status: { Arrived: 'done' } })).toEqual([expect.stringMatching(/^\$\.sources\[0\]\.maps\.appointment_status\.Arrived: "done" is not one of/)]);
  });
});
