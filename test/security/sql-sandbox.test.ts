// `refloop sql` is the analysts' read-only door: each attack of the security
// review (issue 13) must be refused in one line and leave no trace, while
// plain queries over the marts keep working.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqlCommand } from '../../src/cli/commands/sql.ts';
import { localInstantFormatter } from '../../src/cli/format.ts';
import { openSandboxedReader } from '../../src/warehouse/warehouse.ts';
import { refloop } from '../helpers/cli.ts';
import { CANARY_MRN, CANARY_PHONE, practiceWithMarts, type Site, STRONG_KEY } from './fixture.ts';

let site: Site;
beforeAll(async () => {
  site = await practiceWithMarts();
});
afterAll(() => rm(site.dir, { recursive: true, force: true }));

/** Runs `refloop sql` in this process; the outcome is what it printed, or why it refused. */
async function sql(query: string, format = 'table'): Promise<{ stdout: string; error?: Error }> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const options = { db: site.dbPath, config: join(site.dir, 'refloop.config.json'), inbox: site.inbox, format };
    await sqlCommand.run(options, [query]);
    return { stdout: out.join('') };
  } catch (error) {
    return { stdout: out.join(''), error: error as Error };
  } finally {
    spy.mockRestore();
  }
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('queries that stay inside the warehouse', () => {
  it('a SELECT over a mart works, with local_date and instants shown in the practice time zone', async () => {
    // R1 is one second before New York's 2026 change to summer time, R2 after.
    const { stdout, error } = await sql('select referral_id, received_at, local_date(received_at) as received_date from fct_referrals order by referral_id');
    expect(error).toBeUndefined();
    expect(stdout.split('\n').slice(2, 4)).toEqual(['R1           2026-03-08 01:59:59-05:00  2026-03-08', 'R2           2026-03-08 03:30:00-04:00  2026-03-08']);
  });

  it.each(['DESCRIBE fct_referrals', 'SHOW TABLES', 'FROM config_params SELECT timezone', 'WITH r AS (SELECT * FROM fct_referrals) SELECT count(*) AS n FROM r', 'SUMMARIZE fct_referrals'])(
    'a query written as %s runs',
    async (query) => {
      const { stdout, error } = await sql(query);
      expect(error).toBeUndefined();
      expect(stdout).toMatch(/\(\d+ rows?\)\n$/);
    },
  );
});

describe('attacks of the review, each refused in one line naming what was refused', () => {
  it('COPY … TO over the site and over the warehouse writes nothing', async () => {
    const page = join(site.dir, 'dist/index.html');
    await mkdir(join(site.dir, 'dist'), { recursive: true });
    await writeFile(page, '<h1>dashboards</h1>');
    const before = sha256(site.dbPath);
    const overPage = await sql(`COPY (SELECT 'owned' AS x) TO '${page}' (HEADER false)`);
    expect(overPage.error?.message).toMatch(/^refused file access by COPY/);
    const overWarehouse = await sql(`COPY (SELECT 1) TO '${site.dbPath}'`);
    expect(overWarehouse.error?.message).toMatch(/^refused file access by COPY/);
    expect(readFileSync(page, 'utf8')).toBe('<h1>dashboards</h1>');
    expect(sha256(site.dbPath)).toBe(before);
  });

  it('ATTACH … (READ_WRITE) creates no database', async () => {
    const other = join(site.dir, 'attached.duckdb');
    const { error } = await sql(`ATTACH '${other}' AS other (READ_WRITE)`);
    expect(error?.message).toMatch(/^refused ATTACH:/);
    expect(existsSync(other)).toBe(false);
  });

  it.each([
    ['read_csv of an inbox file', () => `SELECT * FROM read_csv('${site.inbox}/referrals_2026-11.csv')`, 'read_csv()'],
    ['read_text of an inbox file', () => `SELECT content FROM read_text('${site.inbox}/referrals_2026-11.csv')`, 'read_text()'],
    ['glob of the inbox', () => `SELECT * FROM glob('${site.inbox}/*')`, 'glob()'],
    ['a bare file path', () => `SELECT * FROM '${site.inbox}/referrals_2026-11.csv'`, 'SELECT'],
    ['read_text of the pseudonym key', () => `SELECT content FROM read_text('${site.keyPath}')`, 'read_text()'],
    // DuckDB's external-access switch still allows the database's own file,
    // whose free blocks may hold bytes of rows long gone.
    ['read_blob of the warehouse file itself', () => `SELECT content FROM read_blob('${site.dbPath}')`, 'read_blob()'],
  ])('%s', async (_, query, what) => {
    const { stdout, error } = await sql(query());
    expect(error?.message).toContain(`refused file access by ${what}`);
    expect(error?.message).not.toContain('\n');
    for (const secret of [CANARY_MRN, CANARY_PHONE, STRONG_KEY, 'referrals_2026-11.csv']) expect(stdout).not.toContain(secret);
  });

  it.each(['INSTALL httpfs', 'LOAD httpfs', 'FORCE INSTALL httpfs'])('%s is refused before it reaches for the network', async (query) => {
    const { error } = await sql(query);
    expect(error?.message).toMatch(/^refused INSTALL\/LOAD:/);
  });

  it('select 1; COPY … runs neither statement', async () => {
    const target = join(site.dir, 'second-statement.csv');
    const { stdout, error } = await sql(`select 1; COPY (SELECT 1) TO '${target}'`);
    expect(error?.message).toMatch(/^refused 2 statements:/);
    expect(stdout).toBe('');
    expect(existsSync(target)).toBe(false);
  });

  it.each(['SET enable_external_access = true', 'SET threads = 1', 'RESET TimeZone', "SET search_path = 'main'", 'SET VARIABLE x = 1'])('%s changes no setting', async (query) => {
    const { error } = await sql(query);
    expect(error?.message).toMatch(/^refused SET/);
  });

  it.each([
    ['EXPORT DATABASE', () => `EXPORT DATABASE '${site.dir}/exported'`, /^refused file access by EXPORT/],
    ['CREATE', () => 'CREATE TEMP TABLE t AS SELECT 1', /^refused CREATE:/],
    ['PRAGMA', () => 'PRAGMA enable_profiling', /^refused PRAGMA:/],
    ['EXPLAIN ANALYZE', () => `EXPLAIN ANALYZE COPY (SELECT 1) TO '${site.dir}/explained.csv'`, /^refused (EXPLAIN:|file access by EXPLAIN)/],
    ['CHECKPOINT', () => 'CHECKPOINT', /^refused CALL:/],
  ])('%s is refused', async (_, query, message) => {
    const { error } = await sql(query());
    expect(error?.message).toMatch(message);
    expect(existsSync(join(site.dir, 'exported'))).toBe(false);
    expect(existsSync(join(site.dir, 'explained.csv'))).toBe(false);
  });

  it('the sandbox holds by itself: its settings cannot be changed back, even by SQL that gets past the statement check', async () => {
    const warehouse = await openSandboxedReader({ path: site.dbPath, timezone: 'America/New_York' });
    try {
      await expect(warehouse.run('SET enable_external_access = true')).rejects.toThrow(/configuration has been locked/);
      await expect(warehouse.run('SET lock_configuration = false')).rejects.toThrow(/configuration has been locked/);
      await expect(warehouse.run(`SELECT * FROM read_blob('${site.dbPath}')`)).rejects.toThrow(/Permission Error/);
      expect(await warehouse.query("SELECT current_setting('TimeZone') AS tz")).toEqual([{ tz: 'America/New_York' }]);
    } finally {
      await warehouse.close();
    }
  });

  it('a query that outgrows memory fails in memory instead of spilling to disk beside the warehouse', async () => {
    const saved = process.env.REFLOOP_MEMORY_LIMIT;
    process.env.REFLOOP_MEMORY_LIMIT = '32MB';
    try {
      // Sorting 600,000 hashes needs about 60 MB: with a spill folder DuckDB
      // would finish it there.
      const { error } = await sql('SELECT count(*) FROM (SELECT md5(i::VARCHAR) AS m FROM range(600000) t(i) ORDER BY m)');
      expect(error?.message).toMatch(/^Out of Memory Error/);
      expect(existsSync(`${site.dbPath}.tmp`)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.REFLOOP_MEMORY_LIMIT;
      else process.env.REFLOOP_MEMORY_LIMIT = saved;
    }
  });

  it('the command line exits non-zero with one line naming the refusal', () => {
    const result = refloop(['sql', '--db', site.dbPath, '--config', join(site.dir, 'refloop.config.json'), 'INSTALL httpfs'], { cwd: site.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^refloop sql failed: refused INSTALL\/LOAD: [^\n]*\n$/);
    expect(result.stdout).toBe('');
  });
});

describe('instants far from now are shown as ISO text with four-digit years', () => {
  it('a year-1 instant is shown in UTC, not as 1-12-31 23:59:58-04:56:02', async () => {
    const { stdout, error } = await sql("SELECT TIMESTAMPTZ '0002-01-01 04:56:00+00' AS at, TIMESTAMPTZ '0001-01-01 00:00:00+00' AS first");
    expect(error).toBeUndefined();
    expect(stdout.split('\n')[2]).toBe('0002-01-01 04:56:00+00:00  0001-01-01 00:00:00+00:00');
  });

  const newYork = localInstantFormatter('America/New_York');
  it('local mean time (before a zone kept standard time) falls back to UTC; the first instant of standard time is local', () => {
    // New York adopted standard time at 17:00:00 UTC on 1883-11-18.
    expect(newYork('1883-11-18 16:59:59+00')).toBe('1883-11-18 16:59:59+00:00');
    expect(newYork('1883-11-18 17:00:00+00')).toBe('1883-11-18 12:00:00-05:00');
  });

  it('an instant whose local year would leave 0001–9999 is shown in UTC', () => {
    expect(localInstantFormatter('Asia/Tokyo')('9999-12-31 14:59:59+00')).toBe('9999-12-31 23:59:59+09:00');
    expect(localInstantFormatter('Asia/Tokyo')('9999-12-31 15:00:00+00')).toBe('9999-12-31 15:00:00+00:00');
    expect(localInstantFormatter('Etc/GMT+5')('0001-01-01 04:59:59+00')).toBe('0001-01-01 04:59:59+00:00');
    expect(localInstantFormatter('Etc/GMT+5')('0001-01-01 05:00:00+00')).toBe('0001-01-01 00:00:00-05:00');
  });

  it('what DuckDB writes outside four-digit years is shown as it is', () => {
    for (const text of ['0100-01-01 (BC) 00:00:00+00', '12999-12-31 23:00:00+00', 'infinity', '-infinity']) expect(newYork(text)).toBe(text);
  });

  it('offsets of half and quarter hours keep their minutes', () => {
    expect(localInstantFormatter('Asia/Kathmandu')('2026-01-01 00:00:00+00')).toBe('2026-01-01 05:45:00+05:45');
    expect(localInstantFormatter('America/St_Johns')('2026-01-01 12:00:00.5+00')).toBe('2026-01-01 08:30:00-03:30');
  });
});
