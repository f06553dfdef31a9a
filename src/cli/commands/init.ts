// `refloop init --profile NAME`: a starting config for a source, with the
// adapter's default value maps written out so the practice edits them rather
// than invents them. An existing config keeps everything else; the source of
// that name is added or replaced.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseConfig } from '../../config/load.ts';
import { ADAPTERS as ADAPTER_NAMES } from '../../config/schema.ts';
import { result } from '../../log.ts';
import { ADAPTERS } from '../../sources/registry.ts';
import { type Command, COMMON_OPTIONS } from '../command.ts';
import { type CommonOptions, resolvePaths } from '../context.ts';

const SOURCE_NAMES: Record<string, string> = { 'epic-ehi': 'epic', 'fhir-r4': 'fhir', nppes: 'nppes', csv: 'reports' };

/** A vendor-report source: one feed written out as an example to edit. */
const CSV_EXAMPLE_FEEDS = {
  appointments: {
    files: ['Appointments*.csv', 'Appointments*.xlsx'],
    map: {
      appointment_id: 'Appt ID',
      referral_id: 'Referral ID',
      patient_id: { first_of: ['MRN', 'Patient ID'] },
      service_line: 'Department',
      start_at: { column: 'Appt Date/Time', formats: ['%m/%d/%Y %I:%M %p', '%m/%d/%Y'] },
      status: {
        column: 'Status',
        values: { Scheduled: 'booked', Confirmed: 'booked', Completed: 'completed', Arrived: 'completed', Canceled: 'cancelled', 'No Show': 'no_show' },
        unmapped: 'quarantine',
      },
    },
  },
};

export const initCommand: Command = {
  summary: 'write a starting config for a source (--profile epic-ehi|fhir-r4|nppes|csv [--timezone ZONE]), default value maps included',
  options: { ...COMMON_OPTIONS, profile: { type: 'string' }, timezone: { type: 'string' }, name: { type: 'string' } },
  async run(options) {
    const profile = options.profile as string | undefined;
    if (!profile || !(ADAPTER_NAMES as readonly string[]).includes(profile)) {
      throw new Error(`--profile must be one of ${ADAPTER_NAMES.join(', ')}`);
    }
    const { configPath } = resolvePaths(options as CommonOptions);
    const name = (options.name as string | undefined) ?? SOURCE_NAMES[profile]!;
    const source =
      profile === 'csv'
        ? { name, adapter: 'csv', path: name, feeds: CSV_EXAMPLE_FEEDS }
        : { name, adapter: profile, path: name, maps: ADAPTERS[profile as keyof typeof ADAPTERS].defaultMaps };
    const existing = existsSync(configPath) ? (JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>) : undefined;
    const config = existing ?? {
      timezone: (options.timezone as string | undefined) ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      service_lines: [{ id: 'cardiology', name: 'Cardiology', aliases: ['CARDIOLOGY CLINIC'], required_documents: { consult: ['clinical_notes', 'insurance_card'] } }],
    };
    const sources = ((config.sources as { name: string }[] | undefined) ?? []).filter((s) => s.name !== name);
    config.sources = [...sources, source];
    parseConfig(config, configPath); // the config written is one refloop loads
    await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
    result(
      'init.done',
      `init: ${existing ? 'added' : 'wrote'} source ${name} (${profile}) ${existing ? 'to' : 'in'} ${configPath}; put its files in <inbox>/${name}/ and run \`refloop map --source ${name}\` to check the mapping`,
    );
    return 0;
  },
};
