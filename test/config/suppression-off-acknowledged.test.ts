// A min_cell_size of 1 suppresses no count at all. The config accepts it only
// beside "acknowledge_suppression_off": true, and refuses the acknowledgement
// where suppression is on, so it never outlives the decision it records.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { suppressTable } from '../../src/privacy/suppression.ts';

const BASE = { timezone: 'America/New_York', service_lines: [{ id: 'cardiology', name: 'Cardiology' }] };

function problemsOf(config: object): string[] {
  try {
    parseConfig({ ...BASE, ...config });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('min_cell_size 1 needs acknowledge_suppression_off', () => {
  it('1 really publishes a cell of one patient, while 2 suppresses it (why the acknowledgement is asked for)', () => {
    const cells = [
      { row: 'a', column: 'x', count: 1 },
      { row: 'a', column: 'y', count: 30 },
    ];
    expect(suppressTable(cells, 1).map((c) => c.shown)).toEqual([1, 30]);
    expect(suppressTable(cells, 2)[0]!.suppressed).toBe('primary');
  });

  it('refuses min_cell_size 1 alone, naming its JSON path, what it does and the key that confirms it', () => {
    const problems = problemsOf({ min_cell_size: 1 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^\$\.min_cell_size: 1 turns small-cell suppression off \(the dashboards would show every count, down to a single patient/);
    expect(problems[0]).toContain('set "acknowledge_suppression_off": true beside it');
  });

  it('refuses min_cell_size 1 with the acknowledgement false', () => {
    expect(problemsOf({ min_cell_size: 1, acknowledge_suppression_off: false })).toEqual([expect.stringMatching(/^\$\.min_cell_size: 1 turns small-cell suppression off/)]);
  });

  it('accepts min_cell_size 1 with the acknowledgement true', () => {
    const config = parseConfig({ ...BASE, min_cell_size: 1, acknowledge_suppression_off: true });
    expect(config).toMatchObject({ min_cell_size: 1, acknowledge_suppression_off: true });
  });

  it('accepts min_cell_size 2, the smallest size that suppresses, without it; the default is false', () => {
    expect(parseConfig({ ...BASE, min_cell_size: 2 })).toMatchObject({ min_cell_size: 2, acknowledge_suppression_off: false });
    expect(parseConfig(BASE)).toMatchObject({ min_cell_size: 11, acknowledge_suppression_off: false });
  });

  it('refuses the acknowledgement where suppression is on (the default 11, and 2)', () => {
    for (const config of [{ acknowledge_suppression_off: true }, { min_cell_size: 2, acknowledge_suppression_off: true }]) {
      expect(problemsOf(config)).toEqual([expect.stringMatching(/^\$\.acknowledge_suppression_off: min_cell_size (11|2) keeps small-cell suppression on, so there is nothing to acknowledge: remove the key/)]);
    }
  });

  it('takes only a boolean: the string "true" is not an acknowledgement', () => {
    expect(problemsOf({ min_cell_size: 1, acknowledge_suppression_off: 'true' })).toEqual(['$.acknowledge_suppression_off: Invalid input: expected boolean, received string']);
  });

  it('lists the missing acknowledgement beside the config\'s other problems', () => {
    expect(problemsOf({ min_cell_size: 1, timezone: 'Mars/Olympus' })).toEqual([
      '$.timezone: not an IANA time zone name (e.g. America/New_York)',
      expect.stringMatching(/^\$\.min_cell_size: 1 turns small-cell suppression off/),
    ]);
  });
});
