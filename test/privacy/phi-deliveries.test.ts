// No PHI from a vendor delivery reaches the warehouse, the logs or the
// private work folder: the demo practice as an Epic delivery and as a FHIR
// export, whose patient tables hold MRNs, names, phones, birth dates and
// full ZIPs, is loaded through the CLI as a practice would, and every text
// column, every log line and every file left beside the warehouse is
// searched for them.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';

const KEY = 'phi-deliveries-key-of-at-least-32-bytes';

interface Loaded {
  dir: string;
  needles: string[];
  logs: string;
}

/** Patient identifiers and attributes as the raw patient tables hold them. */
function epicNeedles(delivery: string): string[] {
  const [header, ...rows] = readFileSync(join(delivery, 'PATIENT.tsv'), 'utf8').trimEnd().split(/\r?\n/);
  const at = (name: string) => header!.split('\t').indexOf(name);
  return rows.slice(0, 40).flatMap((line) => {
    const f = line.split('\t');
    return [f[at('PAT_ID')]!, f[at('PAT_MRN_ID')]!, f[at('PAT_NAME')]!, f[at('HOME_PHONE')]!, f[at('ZIP')]!].filter((v) => v && v.length > 4);
  });
}

function fhirNeedles(delivery: string): string[] {
  const file = readdirSync(delivery).find((f) => f.startsWith('Patient'))!;
  return readFileSync(join(delivery, file), 'utf8')
    .trimEnd()
    .split('\n')
    .slice(0, 40)
    .flatMap((line) => {
      const patient = JSON.parse(line) as { identifier: { value: string }[]; name: { family: string; given: string[] }[]; telecom?: { value: string }[]; address?: { postalCode: string }[] };
      return [
        ...patient.identifier.map((i) => i.value),
        `${patient.name[0]!.given[0]} ${patient.name[0]!.family}`,
        ...(patient.telecom ?? []).map((t) => t.value),
        ...(patient.address ?? []).map((a) => a.postalCode).filter((z) => z.length > 5),
      ];
    });
}

const shapes = {
  'epic-ehi': { folder: 'epic', needles: epicNeedles },
  'fhir-r4': { folder: 'fhir', needles: fhirNeedles },
} as const;

const loaded = new Map<string, Loaded>();

beforeAll(async () => {
  for (const [shape, { folder, needles }] of Object.entries(shapes)) {
    const dir = await mkdtemp(join(tmpdir(), `refloop-phi-${shape}-`));
    const env = { REFLOOP_PSEUDONYM_KEY: KEY, REFLOOP_LOG: 'json' };
    expect(refloop(['demo', '--as', shape, '--referrals', '200', '--end', '2026-06-28'], { cwd: dir, env }).code).toBe(0);
    const deliveryRoot = join(dir, 'data/inbox', folder);
    const [delivery] = await readdir(deliveryRoot);
    const run = refloop(['run', '--settle-seconds', '0'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const map = refloop(['map', '--format', 'json'], { cwd: dir, env });
    loaded.set(shape, { dir, needles: needles(join(deliveryRoot, delivery!)), logs: run.stdout + run.stderr + map.stdout + map.stderr });
  }
}, 240_000);
afterAll(async () => {
  for (const { dir } of loaded.values()) await rm(dir, { recursive: true, force: true });
});

async function textColumns(w: Warehouse) {
  return w.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND data_type IN ('VARCHAR', 'VARCHAR[]')",
  );
}

describe.each(Object.keys(shapes))('a %s delivery', (shape) => {
  it('leaves no patient identifier, name, phone or full ZIP in any text column', async () => {
    const { dir, needles } = loaded.get(shape)!;
    expect(needles.length).toBeGreaterThan(60);
    const w = await openWarehouse({ path: join(dir, 'data/warehouse.duckdb'), timezone: 'America/New_York', readOnly: true });
    try {
      const columns = await textColumns(w);
      expect(columns.length).toBeGreaterThan(40);
      const quoted = needles.map((n) => `'${n.replaceAll("'", "''")}'`).join(', ');
      for (const { table_name, column_name } of columns) {
        const text = `CAST("${column_name}" AS VARCHAR)`;
        const hits = await w.query(`SELECT ${text} AS v FROM "${table_name}" WHERE list_has_any([${quoted}], [${text}]) OR ${needles.slice(0, 30).map((n) => `contains(${text}, '${n.replaceAll("'", "''")}')`).join(' OR ')}`);
        expect(hits, `${table_name}.${column_name}`).toEqual([]);
      }
      // The patient is known only by pseudonym: 64 hex characters.
      expect(await w.query("SELECT count(*)::INTEGER AS n FROM referrals WHERE NOT regexp_full_match(patient_key, '[0-9a-f]{64}')")).toEqual([{ n: 0 }]);
    } finally {
      await w.close();
    }
  });

  it('says nothing of a patient in its logs or in `refloop map`', () => {
    const { logs, needles } = loaded.get(shape)!;
    expect(logs.length).toBeGreaterThan(1000);
    for (const needle of needles) expect(logs.includes(needle), needle).toBe(false);
  });

  it('leaves no copy of raw rows beside the warehouse', async () => {
    const { dir } = loaded.get(shape)!;
    const left = await readdir(join(dir, 'data'));
    expect(left.filter((f) => f.startsWith('.refloop'))).toEqual([]);
  });
});
