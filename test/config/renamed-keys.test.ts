// A renamed config key: the old name still loads, as the new one, with a warning; both at once is an error.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.ts';

const base = { timezone: 'America/Chicago', service_lines: [{ id: 'ortho', name: 'Orthopedics' }] };

function parse(targets: Record<string, number>) {
  const warnings: string[] = [];
  const config = parseConfig({ ...base, targets }, 'practice.json', (message) => warnings.push(message));
  return { config, warnings };
}

function problemsOf(targets: Record<string, number>): string[] {
  try {
    parse(targets);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('renamed config keys', () => {
  it('reads targets.contacted_within_sla_share as targets.contact_sla_met_rate, and warns once naming the new key', () => {
    const { config, warnings } = parse({ contacted_within_sla_share: 0.8, loop_closure_rate: 0.9 });
    expect(config.targets).toEqual({ contact_sla_met_rate: 0.8, loop_closure_rate: 0.9 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('practice.json');
    expect(warnings[0]).toContain('$.targets.contacted_within_sla_share');
    expect(warnings[0]).toContain('$.targets.contact_sla_met_rate');
  });

  it('takes targets.contact_sla_met_rate without a warning', () => {
    const { config, warnings } = parse({ contact_sla_met_rate: 0.75 });
    expect(config.targets).toEqual({ contact_sla_met_rate: 0.75 });
    expect(warnings).toEqual([]);
  });

  it('refuses a config with both, naming both paths', () => {
    const problems = problemsOf({ contacted_within_sla_share: 0.8, contact_sla_met_rate: 0.8 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('$.targets.contacted_within_sla_share');
    expect(problems[0]).toContain('$.targets.contact_sla_met_rate');
  });

  it('validates the old key as the new one (a share above 1 is refused under the new path)', () => {
    expect(problemsOf({ contacted_within_sla_share: 1.5 })).toEqual([expect.stringMatching(/^\$\.targets\.contact_sla_met_rate: /)]);
  });

  it('leaves a config without targets alone', () => {
    const warnings: string[] = [];
    expect(parseConfig(base, 'practice.json', (m) => warnings.push(m)).targets).toEqual({});
    expect(warnings).toEqual([]);
  });
});
