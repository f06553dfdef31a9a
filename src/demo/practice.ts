// The demo practice: a multi-specialty group (cardiology, orthopedics,
// gastroenterology, imaging) and the clinicians who refer to it. Everything
// here is decided up front from the seed; the day-by-day simulation reads it.
import { dateOf, dayNumber, isHoliday, isoDate, mondayOf } from './calendar.ts';
import { Random } from './random.ts';

export type Role = 'primary_care' | 'specialist' | 'hospitalist';
export type Channel = 'fax' | 'portal' | 'direct' | 'phone' | 'email' | 'ehr';
export type Path = 'consult' | 'diagnostic' | 'post_discharge';

export const SERVICE_LINES = ['cardiology', 'orthopedics', 'gastroenterology', 'imaging'] as const;
export type ServiceLine = (typeof SERVICE_LINES)[number];
/** Requested lines the practice does not offer: the referral is out of scope. */
export const OUT_OF_SCOPE_LINES = ['dermatology', 'sleep_medicine', 'neurology'] as const;

export const REQUIRED_DOCUMENTS: Record<ServiceLine, Partial<Record<Path, string[]>>> = {
  cardiology: { consult: ['clinical_notes', 'insurance_card'], diagnostic: ['order', 'insurance_card'], post_discharge: ['discharge_summary'] },
  orthopedics: { consult: ['clinical_notes', 'imaging_report', 'insurance_card'], post_discharge: ['discharge_summary', 'imaging_report'] },
  gastroenterology: { consult: ['clinical_notes', 'lab_results', 'insurance_card'], diagnostic: ['order', 'insurance_card'], post_discharge: ['discharge_summary'] },
  imaging: { diagnostic: ['order', 'insurance_card'] },
};

/** Share of packets complete at receipt, by channel, before the office's own habits. */
export const CHANNEL_COMPLETENESS: Record<Channel, number> = { ehr: 0.9, portal: 0.85, direct: 0.8, email: 0.65, fax: 0.6, phone: 0.35 };

export const SPECIALTIES: Record<Role, readonly (readonly [string, string])[]> = {
  primary_care: [['207Q00000X', 'Family Medicine'], ['207R00000X', 'Internal Medicine'], ['363LF0000X', 'Nurse Practitioner, Family'], ['208D00000X', 'General Practice']],
  specialist: [['207RC0000X', 'Cardiovascular Disease'], ['207X00000X', 'Orthopaedic Surgery'], ['207RG0100X', 'Gastroenterology'], ['2084N0400X', 'Neurology'], ['207RH0003X', 'Hematology & Oncology'], ['207V00000X', 'Obstetrics & Gynecology'], ['2086S0122X', 'Plastic and Reconstructive Surgery']],
  hospitalist: [['208M00000X', 'Hospitalist']],
};

export interface DemoOptions {
  seed: number;
  referrals: number;
  /** First and last day of referrals (YYYY-MM-DD). */
  start: string;
  end: string;
}

/** The demo's seed and size unless asked otherwise: the same for every end date, so one end gives one demo. */
export const DEMO_SEED = 20261122;
export const DEMO_REFERRALS = 25_000;
/** A demo covers this many whole weeks by default (two years), ending on its end date's week. */
export const DEMO_WEEKS = 104;

/**
 * The demo's first day when only its end is given: the Monday that starts
 * DEMO_WEEKS whole weeks ending with the week of `end` (so an end on a Sunday
 * gives exactly two years of complete Monday–Sunday weeks).
 */
export function demoStartFor(end: string): string {
  return isoDate(mondayOf(dayNumber(end)) - 7 * (DEMO_WEEKS - 1));
}

/** The date before `now`'s date in `timezone` (YYYY-MM-DD): the last whole day the practice has lived. */
export function yesterdayIn(timezone: string, now: Date = new Date()): string {
  // en-CA formats a date as YYYY-MM-DD.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return isoDate(dayNumber(today) - 1);
}

/**
 * The demo for the options given: its end defaults to yesterday in the
 * practice's zone (so the site shows a current week), its start to two years
 * of whole weeks before that. Pass `end` for a demo that does not depend on
 * today's date.
 */
export function demoOptions(given: Partial<DemoOptions>, timezone: string, now: Date = new Date()): DemoOptions {
  const end = given.end ?? yesterdayIn(timezone, now);
  return { seed: given.seed ?? DEMO_SEED, referrals: given.referrals ?? DEMO_REFERRALS, start: given.start ?? demoStartFor(end), end };
}

/**
 * The demo of `refloop demo --end 2026-11-22` (two years ending on a Sunday):
 * fixed dates, so a test of it gives the same numbers whatever today is.
 */
export const DEFAULT_DEMO: DemoOptions = { seed: DEMO_SEED, referrals: DEMO_REFERRALS, start: demoStartFor('2026-11-22'), end: '2026-11-22' };

export interface Office {
  name: string;
  organization: string;
  relationship: 'affiliated' | 'independent' | 'competitor';
  liaison: string;
  zip: string;
  channels: readonly (readonly [Channel, number])[];
  /** Multiplies the channel's completeness; offices with poor packet habits are well below 1. */
  packetHabit: number;
}

export type VolumePattern =
  | { kind: 'steady' }
  | { kind: 'dormant'; silentFrom: number }
  | { kind: 'declining'; from: number; factor: number };

export interface Clinician {
  npi: string;
  name: string;
  role: Role;
  specialty: readonly [string, string];
  office: Office;
  /** Baseline share of the practice's referrals (0 for directory clinicians who never refer). */
  weight: number;
  inDirectory: boolean;
  pattern: VolumePattern;
}

/** NPI check digit: Luhn over 80840 + the first nine digits. */
export function npiCheckDigit(first9: string): number {
  let sum = 24; // the 80840 prefix's contribution
  for (let i = 0; i < 9; i++) {
    let d = Number(first9[i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function makeNpi(random: Random): string {
  const first9 = `1${String(random.int(0, 99_999_999)).padStart(8, '0')}`;
  return `${first9}${npiCheckDigit(first9)}`;
}

const ORGANIZATIONS: readonly (readonly [string, Office['relationship']])[] = [
  ['Harborview Health', 'affiliated'],
  ['Harborview Health', 'affiliated'],
  ['North Shore Physicians Group', 'independent'],
  ['Merrimack Valley Medical Associates', 'independent'],
  ['Granite State Health Network', 'competitor'],
  ['Bayside Community Health Centers', 'independent'],
  ['Charles River Medical Group', 'affiliated'],
  ['Lakeside Independent Practice Association', 'independent'],
];
const LIAISONS = ['Dana Whitfield', 'Marcus Reyes', 'Priya Raman', 'Colleen Byrne'];
const OFFICE_WORDS = ['Family Medicine', 'Primary Care', 'Internal Medicine', 'Health Center', 'Medical Associates', 'Physicians'];
const PLACES = ['Cambridge', 'Somerville', 'Medford', 'Malden', 'Quincy', 'Brockton', 'Framingham', 'Lowell', 'Andover', 'Lynn', 'Nashua', 'Manchester', 'Newton', 'Waltham', 'Arlington', 'Woburn', 'Salem', 'Lexington', 'Needham', 'Braintree'];
const DOCTOR_FIRST = ['Anita', 'Brian', 'Carmen', 'David', 'Elena', 'Farid', 'Gloria', 'Henry', 'Ines', 'Jun', 'Kara', 'Leon', 'Maya', 'Nikolai', 'Olu', 'Paula', 'Quentin', 'Rosa', 'Samir', 'Tessa'];
const DOCTOR_LAST = ['Abernathy', 'Baptiste', 'Castellano', 'Delgado', 'Eriksen', 'Fitzgerald', 'Goldberg', 'Hoang', 'Iyer', 'Jablonski', 'Kaplan', 'Leclerc', 'Mensah', 'Novak', 'Oyelaran', 'Pereira', 'Quinlan', 'Rahman', 'Sorensen', 'Takahashi', 'Ulrich', 'Vasquez', 'Whitaker', 'Yilmaz', 'Zamora'];

export interface DemoPractice {
  options: DemoOptions;
  startDay: number;
  endDay: number;
  clinicians: Clinician[];
  /** Expected referrals per day before noise (the rate model). */
  expectedPerDay: Float64Array;
  /** Intake understaffed: weeks (Monday day numbers) when contact is slow. */
  understaffedWeeks: Set<number>;
  /** New-patient slots per service line and week (Monday day number). */
  capacity: Map<ServiceLine, Map<number, number>>;
  truth: PlantedTruth;
}

export interface PlantedTruth {
  dormant: { npi: string; name: string; silent_from: string; baseline_per_month: number }[];
  declining: { npi: string; name: string; from: string; factor: number; baseline_per_month: number }[];
  seasonal_surge: { service_line: ServiceLine; months: number[]; factor: number };
  understaffed_weeks: string[];
  capacity_shortfall_weeks: { service_line: ServiceLine; week_start: string; slots: number; expected_new_patients: number }[];
  poor_packet_offices: string[];
}

/** Orthopedics sees a winter surge (falls, ski injuries): planted, listed in the truth file. */
export const ORTHO_SURGE = { months: [12, 1, 2], factor: 1.6 };

export function buildPractice(options: DemoOptions): DemoPractice {
  const random = new Random(options.seed).fork('practice');
  const startDay = dayNumber(options.start);
  const endDay = dayNumber(options.end);
  if (!(endDay > startDay)) throw new Error(`the demo's end (${options.end}) must come after its start (${options.start})`);

  const offices = makeOffices(random);
  const clinicians = makeClinicians(random, offices);
  const expectedPerDay = rateModel(options, startDay, endDay);
  const truth: PlantedTruth = {
    dormant: [],
    declining: [],
    seasonal_surge: { service_line: 'orthopedics', ...ORTHO_SURGE },
    understaffed_weeks: [],
    capacity_shortfall_weeks: [],
    poor_packet_offices: offices.filter((o) => o.packetHabit < 0.7).map((o) => o.name),
  };
  plantVolumeChanges(random, clinicians, startDay, endDay, options.referrals, truth);
  const understaffedWeeks = plantUnderstaffing(random, startDay, endDay, truth);
  const capacity = planCapacity(random, expectedPerDay, startDay, endDay, truth);
  return { options, startDay, endDay, clinicians, expectedPerDay, understaffedWeeks, capacity, truth };
}

function makeOffices(random: Random): Office[] {
  const offices: Office[] = [];
  const used = new Set<string>();
  for (let i = 0; i < 64; i++) {
    const [organization, relationship] = random.pick(ORGANIZATIONS);
    let name = `${random.pick(PLACES)} ${random.pick(OFFICE_WORDS)}`;
    while (used.has(name)) name = `${name} ${used.size % 2 ? 'East' : 'West'}`;
    used.add(name);
    const style = random.weighted([['fax', 0.35], ['portal', 0.3], ['ehr', 0.25], ['mixed', 0.1]] as const);
    const channels: Office['channels'] =
      style === 'fax'
        ? [['fax', 0.75], ['phone', 0.1], ['email', 0.1], ['direct', 0.05]]
        : style === 'portal'
          ? [['portal', 0.7], ['fax', 0.15], ['phone', 0.05], ['direct', 0.1]]
          : style === 'ehr'
            ? [['ehr', 0.75], ['direct', 0.15], ['fax', 0.1]]
            : [['fax', 0.3], ['portal', 0.25], ['email', 0.2], ['phone', 0.15], ['direct', 0.1]];
    offices.push({
      name,
      organization,
      relationship,
      liaison: LIAISONS[ORGANIZATIONS.findIndex(([o]) => o === organization) % LIAISONS.length]!,
      zip: random.pick(['02139', '02155', '02169', '01701', '01852', '03060', '02472', '01960']),
      channels,
      // About one office in eight sends incomplete packets habitually.
      packetHabit: random.chance(0.125) ? 0.45 : Math.min(1.1, random.normal(1, 0.08)),
    });
  }
  return offices;
}

function makeClinicians(random: Random, offices: Office[]): Clinician[] {
  const hospitals: Office[] = ['Harborview General Hospital', 'Mystic Valley Hospital', 'Granite State Medical Center'].map((name, i) => ({
    name,
    organization: i === 2 ? 'Granite State Health Network' : 'Harborview Health',
    relationship: i === 2 ? 'competitor' : 'affiliated',
    liaison: LIAISONS[i % LIAISONS.length]!,
    zip: ['02114', '02155', '03101'][i]!,
    channels: [['ehr', 0.6], ['fax', 0.3], ['direct', 0.1]],
    packetHabit: 1,
  }));
  const clinicians: Clinician[] = [];
  const names = new Set<string>();
  const person = () => {
    let name: string;
    do name = `${random.pick(DOCTOR_FIRST)} ${random.pick(DOCTOR_LAST)}`;
    while (names.has(name));
    names.add(name);
    return name;
  };
  const add = (role: Role, office: Office, inDirectory = true) =>
    clinicians.push({ npi: makeNpi(random), name: person(), role, specialty: random.pick(SPECIALTIES[role]), office, weight: 0, inDirectory, pattern: { kind: 'steady' } });
  for (let i = 0; i < 150; i++) add('primary_care', random.pick(offices));
  for (let i = 0; i < 55; i++) add('specialist', random.pick(offices));
  for (let i = 0; i < 25; i++) add('hospitalist', random.pick(hospitals));
  // Out-of-network clinicians who refer now and then but are not in the directory.
  for (let i = 0; i < 20; i++) add(random.chance(0.7) ? 'primary_care' : 'specialist', random.pick(offices), false);

  // Skewed volume: a Zipf law over a random order, so a few clinicians refer
  // most. One directory clinician in five never refers (growth prospects),
  // and the out-of-network ones refer little.
  const order = random.shuffle(clinicians.map((_, i) => i));
  order.forEach((index, rank) => {
    const c = clinicians[index]!;
    c.weight = 1 / Math.pow(rank + 1, 1.05);
    if (!c.inDirectory) c.weight *= 0.15;
  });
  const neverRefer = random.shuffle(clinicians.filter((c) => c.inDirectory && c.role === 'primary_care'));
  for (const c of neverRefer.slice(0, 40)) c.weight = 0;
  const total = clinicians.reduce((s, c) => s + c.weight, 0);
  for (const c of clinicians) c.weight /= total;
  return clinicians;
}

/**
 * The planted truths an outreach model must find: clinicians who referred
 * regularly and went silent (dormant), and clinicians whose volume fell to a
 * fraction of their baseline (declining). Both are chosen among regular
 * referrers (at least ~3 a month), so the change is real, not noise.
 */
function plantVolumeChanges(random: Random, clinicians: Clinician[], startDay: number, endDay: number, referrals: number, truth: PlantedTruth) {
  const months = (endDay - startDay) / 30.44;
  const perMonth = (c: Clinician) => (c.weight * referrals) / months;
  const regular = random.shuffle(clinicians.filter((c) => c.inDirectory && perMonth(c) >= 3 && perMonth(c) <= 25));
  const iso = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);
  for (const c of regular.slice(0, 6)) {
    const silentFrom = endDay - random.int(100, 170);
    c.pattern = { kind: 'dormant', silentFrom };
    truth.dormant.push({ npi: c.npi, name: c.name, silent_from: iso(silentFrom), baseline_per_month: round1(perMonth(c)) });
  }
  for (const c of regular.slice(6, 12)) {
    const from = endDay - random.int(110, 150);
    c.pattern = { kind: 'declining', from, factor: 0.3 };
    truth.declining.push({ npi: c.npi, name: c.name, from: iso(from), factor: 0.3, baseline_per_month: round1(perMonth(c)) });
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** A clinician's volume multiplier on a day, from their planted pattern. */
export function patternFactor(pattern: VolumePattern, day: number): number {
  switch (pattern.kind) {
    case 'steady':
      return 1;
    case 'dormant':
      return day >= pattern.silentFrom ? 0 : 1;
    case 'declining':
      return day >= pattern.from ? pattern.factor : 1;
  }
}

/**
 * Expected referrals per day: weekday pattern (Monday heaviest, weekends
 * light), holidays, a yearly cycle (summer and late-December lulls, January
 * catch-up), slow growth, and the orthopedics winter surge on top; scaled so
 * the whole range expects `referrals`.
 */
function rateModel(options: DemoOptions, startDay: number, endDay: number): Float64Array {
  const days = endDay - startDay + 1;
  const rates = new Float64Array(days);
  const WEEKDAY = [1.25, 1.1, 1.05, 1.05, 0.95, 0.12, 0.05];
  for (let i = 0; i < days; i++) {
    const day = startDay + i;
    const { month, day: dom, weekday } = dateOf(day);
    let r = WEEKDAY[weekday]!;
    if (isHoliday(day)) r *= 0.1;
    if (month === 7 || month === 8) r *= 0.87;
    if (month === 12 && dom >= 20) r *= 0.75;
    if (month === 1 && dom <= 20) r *= 1.1;
    r *= 1 + (0.06 * i) / 365; // growth of about 6% a year
    if (ORTHO_SURGE.months.includes(month)) r *= 1 + ORTHO_SHARE * (ORTHO_SURGE.factor - 1);
    rates[i] = r;
  }
  const total = rates.reduce((s, r) => s + r, 0);
  for (let i = 0; i < days; i++) rates[i] = (rates[i]! * options.referrals) / total;
  return rates;
}

/** Orthopedics' share of referrals outside the surge (used to size the surge). */
export const ORTHO_SHARE = 0.25;

/** Weeks when intake is short-staffed (vacations, a vacancy): contact takes much longer. */
function plantUnderstaffing(random: Random, startDay: number, endDay: number, truth: PlantedTruth): Set<number> {
  const weeks = new Set<number>();
  const span = endDay - startDay;
  for (const at of [0.2, 0.55, 0.85]) {
    const first = mondayOf(startDay + Math.floor(span * at) + random.int(-20, 20));
    const length = random.int(2, 4);
    for (let w = 0; w < length; w++) weeks.add(first + 7 * w);
  }
  truth.understaffed_weeks = [...weeks].sort((a, b) => a - b).map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
  return weeks;
}

/**
 * Share of a line's referrals that become an attended new-patient visit, and
 * each line's share of referrals outside the surge: measured on the demo's own
 * journeys (booked ≈ 0.84 × attended ≈ 0.88), so the slots it plans match the
 * demand it generates.
 */
const EXPECTED_CONVERSION = 0.74;
const LINE_SHARE: Record<ServiceLine, number> = { cardiology: 0.28, orthopedics: ORTHO_SHARE, gastroenterology: 0.23, imaging: 0.18 };
export const FORECAST_WEEKS = 12;

/**
 * New-patient slots per week: about 15% above expected demand, less in
 * holiday weeks, and three planted short weeks in the coming quarter (an
 * orthopedic surgeon on leave, a gastroenterology room closed) that a
 * capacity forecast must flag.
 */
function planCapacity(random: Random, expectedPerDay: Float64Array, startDay: number, endDay: number, truth: PlantedTruth) {
  const capacity = new Map<ServiceLine, Map<number, number>>();
  const lastWeeks = Array.from({ length: 8 }, (_, i) => weekSum(expectedPerDay, startDay, mondayOf(endDay) - 7 * (i + 1)));
  const recentWeekly = lastWeeks.reduce((s, x) => s + x, 0) / lastWeeks.length;
  const firstMonday = mondayOf(startDay);
  const horizonEnd = mondayOf(endDay) + 7 * FORECAST_WEEKS;
  const shortfalls = new Map<string, number>([
    [`orthopedics:${mondayOf(endDay) + 7 * 4}`, 0.55],
    [`orthopedics:${mondayOf(endDay) + 7 * 5}`, 0.55],
    [`gastroenterology:${mondayOf(endDay) + 7 * 8}`, 0.6],
  ]);
  for (const line of SERVICE_LINES) {
    const weeks = new Map<number, number>();
    for (let monday = firstMonday; monday <= horizonEnd; monday += 7) {
      // A week the demo covers only in part (its end falls midweek) is planned like the weeks after it.
      const inRange = monday + 6 <= endDay;
      const weekly = inRange ? weekSum(expectedPerDay, startDay, monday) : recentWeekly;
      const expected = weekly * LINE_SHARE[line] * EXPECTED_CONVERSION * (line === 'orthopedics' && isSurgeWeek(monday) ? ORTHO_SURGE.factor : 1);
      let slots = Math.round(expected * 1.15 + random.normal(0, Math.sqrt(expected) * 0.2));
      if (hasHoliday(monday)) slots = Math.round(slots * 0.8);
      const shortfall = shortfalls.get(`${line}:${monday}`);
      if (shortfall) {
        slots = Math.round(expected * shortfall);
        truth.capacity_shortfall_weeks.push({
          service_line: line,
          week_start: new Date(monday * 86_400_000).toISOString().slice(0, 10),
          slots,
          expected_new_patients: Math.round(expected),
        });
      }
      weeks.set(monday, Math.max(0, slots));
    }
    capacity.set(line, weeks);
  }
  return capacity;
}

function weekSum(expectedPerDay: Float64Array, startDay: number, monday: number): number {
  let sum = 0;
  for (let d = 0; d < 7; d++) sum += expectedPerDay[monday + d - startDay] ?? 0;
  return sum;
}

const isSurgeWeek = (monday: number) => ORTHO_SURGE.months.includes(dateOf(monday + 3).month);
const hasHoliday = (monday: number) => [0, 1, 2, 3, 4].some((d) => isHoliday(monday + d));

/** How the week's expected demand for a line compares to its slots (above 1: over capacity). */
export function demandRatio(practice: DemoPractice, line: ServiceLine, day: number): number {
  const monday = mondayOf(day);
  const slots = practice.capacity.get(line)?.get(monday);
  if (!slots) return 1.5;
  const weekly = weekSum(practice.expectedPerDay, practice.startDay, monday) || 1;
  const expected = weekly * LINE_SHARE[line] * EXPECTED_CONVERSION * (line === 'orthopedics' && isSurgeWeek(monday) ? ORTHO_SURGE.factor : 1);
  return expected / slots;
}
