import { describe, expect, it } from 'vitest';
import { isIanaZone } from '../../src/config/feed-schema.ts';
import { ConfigError, parseConfig, slaHoursFor } from '../../src/config/load.ts';

describe('config', () => {
  it('fills every default of config.md', () => {
    const config = parseConfig({ timezone: 'America/Chicago', service_lines: [{ id: 'Ortho', name: 'Orthopedics', contact_sla_hours: { routine: 48 } }] });
    expect(config).toMatchObject({
      min_cell_size: 11,
      match_window_days: 120,
      leakage_window_days: 90,
      source_window_days: 365,
      contact_sla_hours: { stat: 4, urgent: 24, routine: 72 },
      feeds: {},
      schedule: { ingest: '15 * * * *', publish: '0 6 * * 1' },
    });
    expect(config.service_lines[0]!.id).toBe('ortho');
    expect(slaHoursFor(config, 'ortho')).toEqual({ stat: 4, urgent: 24, routine: 48 });
  });

  it('lists every problem by its JSON path', () => {
    const attempt = () =>
      parseConfig({
        timezone: 'Mars/Olympus',
        min_cell_size: 0,
        service_lines: [{ id: 'x', name: 'X', required_documents: { referral: [] } }, { name: 'No id' }],
        feeds: { invoices: {} },
        schedule: { ingest: 'every hour' },
        colour: 'blue',
      });
    expect(attempt).toThrow(ConfigError);
    let problems: string[] = [];
    try {
      attempt();
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      '$.timezone: not an IANA time zone name (e.g. America/New_York)',
      '$.min_cell_size: Too small: expected number to be >=1',
      '$.service_lines[0].required_documents: Unrecognized key: "referral"',
      '$.service_lines[1].id: Invalid input: expected string, received undefined',
      '$.feeds: Unrecognized key: "invoices"',
      '$.schedule.ingest: not a valid cron expression',
      '$: Unrecognized key: "colour"',
    ]);
  });

  it('takes a zone Intl knows by an Area/Location name or UTC, listed or an alias, and nothing else', () => {
    // Asia/Kolkata and US/Eastern are not in Intl's list of zones (it lists Asia/Calcutta), yet Intl knows them.
    for (const name of ['America/New_York', 'Asia/Calcutta', 'Asia/Kolkata', 'US/Eastern', 'america/chicago', 'UTC', 'Etc/GMT+5']) expect(isIanaZone(name), name).toBe(true);
    // EST and utc are zones to Intl, but not names the config takes.
    for (const name of ['EST', 'utc', 'GMT', 'Mars/Olympus', 'America/Nowhere', '', '/']) expect(isIanaZone(name), name).toBe(false);
  });
});
