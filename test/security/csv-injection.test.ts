// Every CSV refloop writes for people opens in a spreadsheet: a text cell a
// spreadsheet would run as a formula is written as text (OWASP's rule).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { outreachCommand } from '../../src/cli/commands/outreach.ts';
import { sqlCommand } from '../../src/cli/commands/sql.ts';
import { csvCell, formatRows } from '../../src/cli/format.ts';
import { openWarehouse } from '../../src/warehouse/warehouse.ts';
import { practiceWithMarts, type Site, STRONG_KEY } from './fixture.ts';

describe('a CSV cell', () => {
  it.each([
    ['=', '=HYPERLINK("http://evil.example","Dr Smith")', `"'=HYPERLINK(""http://evil.example"",""Dr Smith"")"`],
    ['+', '+1+cmd|\' /C calc\'!A0', `"'+1+cmd|' /C calc'!A0"`],
    ['-', '-2+3+cmd|\' /C calc\'!A0', `"'-2+3+cmd|' /C calc'!A0"`],
    ['@', '@SUM(1+1)*cmd|\' /C calc\'!A0', `"'@SUM(1+1)*cmd|' /C calc'!A0"`],
    ['a tab', '\t=1+1', `"'\t=1+1"`],
    ['a CR', '\r=1+1', `"'\r=1+1"`],
  ])('of text starting with %s is prefixed with a quote and quoted', (_, text, written) => {
    expect(csvCell(text, false)).toBe(written);
  });

  it.each([
    ['an = later in the text', 'Smith = Jones Clinic', 'Smith = Jones Clinic'],
    ['a leading space', ' =1+1', ' =1+1'],
    ['a hyphenated name', 'Mary-Jane Doe', 'Mary-Jane Doe'],
    ['a comma', 'Doe, Jane', '"Doe, Jane"'],
  ])('of text with %s is written as before', (_, text, written) => {
    expect(csvCell(text, false)).toBe(written);
  });

  it('of a typed negative number is the number; the same characters as text are guarded', () => {
    expect(csvCell('-3.5', true)).toBe('-3.5');
    expect(csvCell('-3.5', false)).toBe(`"'-3.5"`);
  });
});

describe('formatRows as CSV', () => {
  it('guards text cells and headers, leaves JSON numbers and named numeric columns alone', () => {
    const rows = [{ '=name': '=1+1', score: -3.5, big: '-12', code: '-12' }];
    const csv = formatRows(['=name', 'score', 'big', 'code'], rows, 'csv', new Set(['big']));
    expect(csv).toBe(`"'=name",score,big,code\n"'=1+1",-3.5,-12,"'-12"\n`);
  });
});

describe('the CSV of refloop sql and refloop outreach', () => {
  let site: Site;
  beforeAll(async () => {
    site = await practiceWithMarts();
  });
  afterAll(() => rm(site.dir, { recursive: true, force: true }));

  async function stdoutOf(run: () => Promise<number>): Promise<string> {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await run();
    } finally {
      spy.mockRestore();
    }
    return out.join('');
  }
  const options = () => ({ db: site.dbPath, config: join(site.dir, 'refloop.config.json'), format: 'csv' });

  it('sql: typed numbers (DOUBLE, BIGINT, DECIMAL) as numbers, text that looks like a formula or a number guarded', async () => {
    const query = `SELECT '=cmd|''/C calc''!A0' AS clinician, -3.5::DOUBLE AS score, -3::BIGINT AS lost, -1.25::DECIMAL(5, 2) AS change, '-3.5' AS note`;
    const csv = await stdoutOf(() => sqlCommand.run(options(), [query]));
    expect(csv).toBe(`clinician,score,lost,change,note\n"'=cmd|'/C calc'!A0",-3.5,-3,-1.25,"'-3.5"\n`);
  });

  it('outreach: a referring clinician named like a formula is written as text', async () => {
    const warehouse = await openWarehouse({ path: site.dbPath, timezone: 'America/New_York', pseudonymKey: Buffer.from(STRONG_KEY) });
    try {
      await warehouse.run(`INSERT INTO outreach_priorities (priority_rank, clinician, npi, office, category, reason)
        VALUES (1, '@SUM(1+1)*cmd|''/C calc''!A0', '1234567893', '+Evil Practice', 'dormant', 'synthetic')`);
    } finally {
      await warehouse.close();
    }
    const csv = await stdoutOf(() => outreachCommand.run(options(), []));
    const [header, row] = csv.split('\n');
    expect(header!.split(',').slice(0, 4)).toEqual(['priority_rank', 'clinician', 'npi', 'office']);
    expect(row).toMatch(/^1,"'@SUM\(1\+1\)\*cmd\|'\/C calc'!A0",1234567893,"'\+Evil Practice",/);
  });
});
