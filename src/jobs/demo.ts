// `refloop demo`: writes a realistic demo practice's extracts into the inbox,
// its config, and a truth file listing what was planted. It streams: a day's
// referrals are simulated and written before the next day's, so ten million
// referrals need no more memory than a thousand.
//
// The same journeys can be written in three shapes: the canonical monthly CSV
// extracts (with planted bad rows, unless clean), or one delivery of an Epic
// EHI export or of a FHIR R4 bulk export (src/demo/vendor/), which plant none.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { isoDate, isoTimestamp, MINUTES_PER_DAY } from '../demo/calendar.ts';
import { CsvFile } from '../demo/csv-writer.ts';
import { APPOINTMENT_EHR_COLUMNS, APPOINTMENT_TIMESTAMP_FORMAT, endOfDayMinute, ExtractWriter, MESS_RATES, NO_MESS, type PlantedRow } from '../demo/extracts.ts';
import { type Journey, type JourneyContext, simulateJourney } from '../demo/journey.ts';
import { extraPerDay, type LiaisonPlan, liaisonTruth, planLiaisonLog } from '../demo/liaison.ts';
import { buildPractice, type Clinician, type DemoOptions, type DemoPractice, makeNpi, patternFactor, REQUIRED_DOCUMENTS, SERVICE_LINES } from '../demo/practice.ts';
import { Random, WeightedTable } from '../demo/random.ts';
import { serviceLineAliases } from '../demo/vendor/catalog.ts';
import { EPIC_DEMO_TABLES, EpicDemoWriter, epicDeliveryDir } from '../demo/vendor/epic-ehi.ts';
import { FHIR_DEMO_TYPES, FhirDemoWriter, fhirDeliveryDir } from '../demo/vendor/fhir-r4.ts';
import { type DemoShape, VENDOR_SOURCES, type VendorShape, type VendorWriter } from '../demo/vendor/shape.ts';

export const TRUTH_FILE = 'demo-truth.json';
/** Share of referrals with no referring clinician on them (source unknown). */
const UNKNOWN_SOURCE = 0.03;

export interface GenerateOptions extends DemoOptions {
  /** The output shape (default csv, the canonical extracts). */
  as?: DemoShape;
  /** Canonical csv only: plant no bad rows (vendor shapes never plant any). */
  clean?: boolean;
}

export interface DemoResult {
  referrals: number;
  truthPath: string;
  seconds: number;
  /** Where the files went: the inbox for csv, the delivery folder for a vendor shape. */
  outputDir: string;
}

export async function generateDemo(options: GenerateOptions, inboxDir: string, onProgress?: (fraction: number, referrals: number) => void): Promise<DemoResult> {
  const started = Date.now();
  const shape = options.as ?? 'csv';
  const practice = buildPractice(options);
  await mkdir(inboxDir, { recursive: true });
  const root = new Random(options.seed);
  // The mess source is drawn for every shape, so the journeys after it are the same whatever the shape.
  const mess = root.fork('mess');
  const endMinute = endOfDayMinute(practice.endDay);
  const outputDir = shape === 'csv' ? inboxDir : await prepareDelivery(shape, inboxDir, options.end);
  const extracts = shape === 'csv' ? new ExtractWriter(inboxDir, endMinute, mess, options.clean ? NO_MESS : MESS_RATES) : undefined;
  const vendor = shape === 'csv' ? undefined : vendorWriter(shape, practice, outputDir, endMinute, new Random(options.seed).fork(`vendor:${shape}`));
  const write = (journey: Journey) => (extracts ?? vendor!).write(journey);
  const context: JourneyContext = {
    practice,
    random: root.fork('journeys'),
    next: { referral: 1, patient: 1, appointment: 1, visit: 1 },
    recentPatients: [],
  };
  const arrivals = root.fork('arrivals');
  // The outreach log and its planted lift draw from streams of their own: the demo's other referrals stay as they were.
  const liaisonLog = planLiaisonLog(practice, new Random(options.seed).fork('liaison'));
  const lifted: JourneyContext = { practice, random: root.fork('lifted journeys'), next: context.next, recentPatients: [] };
  const liftArrivals = root.fork('lifted arrivals');
  const expectedLift = liaisonLog.lifts.map(() => 0);
  for (let day = practice.startDay; day <= practice.endDay; day++) {
    const table = clinicianTable(practice, day);
    const expectedToday = practice.expectedPerDay[day - practice.startDay]!;
    const count = arrivals.poisson(expectedToday);
    for (let i = 0; i < count; i++) {
      const clinician = arrivals.chance(UNKNOWN_SOURCE) ? undefined : table.pick(arrivals);
      write(simulateJourney(context, day, clinician));
    }
    liaisonLog.lifts.forEach((lift, i) => {
      const extra = extraPerDay(lift, day, expectedToday * (1 - UNKNOWN_SOURCE), table.total);
      if (extra === 0) return;
      expectedLift[i]! += extra;
      for (let n = liftArrivals.poisson(extra); n > 0; n--) write(simulateJourney(lifted, day, lift.clinician));
    });
    onProgress?.((day - practice.startDay + 1) / (practice.endDay - practice.startDay + 1), context.next.referral - 1);
  }
  let providerPlants: PlantedRow[] = [];
  if (extracts) {
    const { visits } = extracts.close();
    for (const path of visits) await gzipInPlace(path);
    providerPlants = writeProviders(practice, inboxDir, root.fork('providers'), Boolean(options.clean));
    writeCapacity(practice, inboxDir);
    writeLiaisonActivities(liaisonLog, practice, inboxDir);
  } else {
    vendor!.close();
  }
  const messTally = extracts?.mess ?? { quarantined: [], loaded_with_issue: {} };
  const truthPath = join(inboxDir, TRUTH_FILE);
  await writeFile(
    truthPath,
    `${JSON.stringify(
      {
        options,
        referrals: context.next.referral - 1,
        planted: { ...practice.truth, liaison_lift: liaisonTruth(liaisonLog, expectedLift) },
        mess: {
          rates: extracts && !options.clean ? MESS_RATES : NO_MESS,
          quarantined: [...messTally.quarantined, ...providerPlants].sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1)),
          loaded_with_issue: messTally.loaded_with_issue,
        },
      },
      null,
      1,
    )}\n`,
  );
  await backdate(outputDir, shape !== 'csv');
  return { referrals: context.next.referral - 1, truthPath, seconds: (Date.now() - started) / 1000, outputDir };
}

function vendorWriter(shape: VendorShape, practice: DemoPractice, dir: string, endMinute: number, random: Random): VendorWriter {
  return shape === 'epic-ehi' ? new EpicDemoWriter(practice, dir, endMinute, random) : new FhirDemoWriter(practice, dir, endMinute, random);
}

/** A vendor delivery's folder, `<inbox>/<source path>/<end date>/`: a demo of a former run there is replaced, nothing else is touched. */
async function prepareDelivery(shape: VendorShape, inboxDir: string, endDate: string): Promise<string> {
  const dir = shape === 'epic-ehi' ? epicDeliveryDir(inboxDir, endDate) : fhirDeliveryDir(inboxDir, endDate);
  await mkdir(dir, { recursive: true });
  const ours = (name: string) =>
    shape === 'epic-ehi' ? (EPIC_DEMO_TABLES as readonly string[]).some((t) => name === `${t}.tsv`) : (FHIR_DEMO_TYPES as readonly string[]).some((t) => new RegExp(`^${t}\\.\\d{3}\\.ndjson$`).test(name));
  for (const name of await readdir(dir)) if (ours(name)) await rm(join(dir, name));
  return dir;
}

/** Who refers on a day: baseline weights times each clinician's planted pattern. */
function clinicianTable(practice: DemoPractice, day: number): WeightedTable<Clinician> {
  return new WeightedTable(
    practice.clinicians,
    practice.clinicians.map((c) => c.weight * patternFactor(c.pattern, day)),
  );
}

async function gzipInPlace(path: string): Promise<void> {
  await pipeline(createReadStream(path), createGzip(), createWriteStream(`${path}.gz`));
  await rm(path);
}

/**
 * The directory: every in-network clinician (including those who never
 * refer), then a small later update (liaisons reassigned) that replaces
 * earlier rows by key. One entry has a mistyped NPI, which is its key.
 */
function writeProviders(practice: DemoPractice, dir: string, random: Random, clean: boolean): PlantedRow[] {
  const header = ['npi', 'name', 'specialty', 'practice', 'organization', 'zip', 'relationship', 'liaison'];
  const row = (c: Clinician, liaison = c.office.liaison) => [
    c.npi,
    c.name,
    random.chance(0.2) ? c.specialty[1] : c.specialty[0],
    c.office.name,
    c.office.organization,
    c.office.zip,
    c.office.relationship,
    liaison,
  ];
  const directory = practice.clinicians.filter((c) => c.inDirectory);
  const first = new CsvFile(join(dir, `providers_${practice.options.start}.csv`), header);
  for (const c of directory) first.write(row(c));
  // Drawn even when clean, so the later update names the same clinicians.
  const typo = makeNpi(random);
  const line = clean ? undefined : first.write([`${typo.slice(0, 9)}${(Number(typo[9]) + 1) % 10}`, 'Typo Entry', '207Q00000X', '', '', '', '', '']);
  first.close();
  const update = new CsvFile(join(dir, `providers_${practice.options.end}.csv`), header);
  for (const c of random.shuffle(directory).slice(0, 8)) update.write(row(c, 'Jordan Ellis'));
  update.close();
  return line === undefined ? [] : [{ file: `providers_${practice.options.start}.csv`, line, column: 'npi' }];
}

/** The outreach team's log, as a CRM exports it: one row per touch, with a free-text note refloop never stores. */
function writeLiaisonActivities(plan: LiaisonPlan, practice: DemoPractice, dir: string): void {
  const file = new CsvFile(join(dir, `liaison_activities_${practice.options.end}.csv`), ['activity_id', 'at', 'liaison', 'npi', 'type', 'note']);
  for (const a of plan.activities) file.write([a.id, isoTimestamp(a.day * MINUTES_PER_DAY + a.minute), a.liaison, a.clinician.npi, a.type, `${a.type} with the office of ${a.clinician.name}`]);
  file.close();
}

function writeCapacity(practice: DemoPractice, dir: string): void {
  const file = new CsvFile(join(dir, `capacity_${practice.options.end}.csv`), ['service_line', 'week_start', 'new_patient_slots']);
  for (const [line, weeks] of practice.capacity) for (const [monday, slots] of weeks) file.write([line, isoDate(monday), String(slots)]);
  file.close();
}

/**
 * The demo practice's config: its service lines, documents, SLAs, and how its
 * data arrives. For csv, the scheduling feed's mapping; for a vendor shape,
 * that vendor's source and the aliases its department names or codes need.
 */
export function demoConfig(shape: DemoShape = 'csv') {
  const lineName = (id: string) => (id === 'gastroenterology' ? 'Gastroenterology' : id[0]!.toUpperCase() + id.slice(1));
  return {
    timezone: 'America/New_York',
    min_cell_size: 11,
    match_window_days: 120,
    leakage_window_days: 90,
    source_window_days: 365,
    contact_sla_hours: { stat: 4, urgent: 24, routine: 72 },
    service_lines: SERVICE_LINES.map((id) => ({
      id,
      name: lineName(id),
      required_documents: REQUIRED_DOCUMENTS[id],
      ...(id === 'imaging' ? { contact_sla_hours: { routine: 48 } } : {}),
      ...(shape === 'csv' ? {} : { aliases: serviceLineAliases(shape, id, lineName(id)) }),
    })),
    ...(shape === 'csv'
      ? { feeds: { appointments: { columns: APPOINTMENT_EHR_COLUMNS, timestamp_format: APPOINTMENT_TIMESTAMP_FORMAT } } }
      : { sources: [VENDOR_SOURCES[shape]] }),
    schedule: { ingest: '15 * * * *', publish: '0 6 * * 1' },
    // The practice's own targets, drawn on This week's charts and judged on its cards.
    targets: { contact_sla_met_rate: 0.6, days_to_first_appointment: 21, loop_closure_rate: 0.85 },
    // Three liaisons' goals for their panels, paced on the Liaisons page. Marcus Reyes's are
    // set above his panel's pace (about 4.6 referrals a day), so the demo has a panel Behind
    // on a goal, and its alert, on any day but the year's first two weeks (outreach.alerts.min_period_days).
    liaisons: {
      'Dana Whitfield': { goals: { referrals: { month: 60, quarter: 180, year: 720 }, visits: { quarter: 120 } } },
      'Priya Raman': { goals: { referrals: { month: 250, year: 3000 } } },
      'Marcus Reyes': { goals: { referrals: { quarter: 600, year: 2400 } } },
    },
    // How referring offices reach intake: printed on every referrer statement.
    intake: { practice: 'Harborview Specialty Care', phone: '617-555-2100', fax: '617-555-2101', email: 'intake@harborview-specialty.example', hours: 'Mon–Fri 8:00–17:00' },
  };
}

export async function writeDemoConfig(path: string, force: boolean, shape: DemoShape = 'csv'): Promise<boolean> {
  if (existsSync(path) && !force) return false;
  await writeFile(path, `${JSON.stringify(demoConfig(shape), null, 2)}\n`);
  return true;
}

/**
 * The ingest lets a file changed in the last minute settle (it may still be
 * being copied in). The demo's files are complete when it returns, so they
 * are dated two minutes back: `refloop demo` then `refloop run` loads them.
 */
async function backdate(dir: string, recursive: boolean): Promise<void> {
  const when = new Date(Date.now() - 120_000);
  // A delivery folder is the demo's own; in the inbox, only its top level holds the demo's files.
  for (const entry of await readdir(dir, { withFileTypes: true, recursive })) {
    if (entry.isFile()) await utimes(join(entry.parentPath, entry.name), when, when);
  }
}
