// One referral's journey through the practice, from receipt to the visit
// summary sent back: the events, appointments and visits it produces. Times
// are local wall-clock minutes. What happens after the demo's end is cut by
// the writer, not here, so a journey does not depend on where the demo stops.
import { dateOf, MINUTES_PER_DAY, mondayOf, nextWorkingMinute } from './calendar.ts';
import { ageFor, makePatient, type Patient, payerFor } from './people.ts';
import {
  CHANNEL_COMPLETENESS,
  type Channel,
  type Clinician,
  type DemoPractice,
  demandRatio,
  OUT_OF_SCOPE_LINES,
  ORTHO_SURGE,
  type Path,
  REQUIRED_DOCUMENTS,
  type ServiceLine,
  SERVICE_LINES,
} from './practice.ts';
import type { Random } from './random.ts';

export interface ReferralRecord {
  referralId: string;
  received: number;
  patient: Patient;
  clinician: Clinician | undefined;
  serviceLine: string;
  path: Path;
  urgency: 'routine' | 'urgent' | 'stat';
  channel: Channel;
  reasonCode: string;
  payer: string;
  documents: string[];
}
export interface EventRecord {
  referralId: string;
  type: string;
  at: number;
  detail: string;
}
export interface AppointmentRecord {
  appointmentId: string;
  referralId: string;
  mrn: string;
  serviceLine: string;
  type: string;
  booked: number;
  start: number;
  status: 'completed' | 'cancelled' | 'no_show';
}
export interface VisitRecord {
  visitId: string;
  appointmentId: string;
  mrn: string;
  serviceLine: string;
  at: number;
  summarySent: number | undefined;
}
export interface Journey {
  referral: ReferralRecord;
  events: EventRecord[];
  appointments: AppointmentRecord[];
  visits: VisitRecord[];
}

export interface JourneyContext {
  practice: DemoPractice;
  random: Random;
  next: { referral: number; patient: number; appointment: number; visit: number };
  /** Recent patients, some of whom come back with a new referral. */
  recentPatients: Patient[];
}

const REASONS: Record<string, readonly string[]> = {
  cardiology: ['I25.10', 'I48.91', 'I10', 'R07.9', 'I50.9', 'R00.2', 'R55'],
  orthopedics: ['M17.11', 'M25.561', 'M54.50', 'S83.511A', 'M75.100', 'M16.11', 'S52.501A'],
  gastroenterology: ['K21.9', 'K58.9', 'R19.7', 'K57.30', 'Z12.11', 'K50.90', 'R10.13'],
  imaging: ['R10.9', 'M54.2', 'R51.9', 'R93.89', 'M25.511', 'R22.1'],
  out_of_scope: ['L40.0', 'G47.33', 'G43.909', 'L57.0'],
};

/** Median hours from receipt to first contact attempt, by urgency. */
const CONTACT_MEDIAN_HOURS = { stat: 1.5, urgent: 6, routine: 18 };
/** Median lead time in days from booking to the appointment, by urgency. */
const LEAD_MEDIAN_DAYS = { stat: 1.5, urgent: 6, routine: 15 };

export function simulateJourney(ctx: JourneyContext, day: number, clinician: Clinician | undefined): Journey {
  const { random } = ctx;
  const role = clinician?.role ?? 'primary_care';
  const path: Path = role === 'primary_care' ? 'consult' : role === 'specialist' ? 'diagnostic' : 'post_discharge';
  const serviceLine = chooseServiceLine(random, path, clinician, day);
  const urgency = chooseUrgency(random, path);
  const office = clinician?.office;
  const channel: Channel = office ? random.weighted(office.channels) : random.weighted([['fax', 0.6], ['phone', 0.4]] as const);
  const received = receivedMinute(random, day, channel);
  const age = ageFor(random, path);
  const patient = choosePatient(ctx, age, day);
  const referralId = `RF${String(ctx.next.referral++).padStart(8, '0')}`;
  const inScope = (SERVICE_LINES as readonly string[]).includes(serviceLine);
  const required = inScope ? (REQUIRED_DOCUMENTS[serviceLine as ServiceLine][path] ?? []) : [];
  const { documents, missing } = packet(random, required, channel, office?.packetHabit ?? 0.8);

  const journey: Journey = {
    referral: {
      referralId,
      received,
      patient,
      clinician,
      serviceLine,
      path,
      urgency,
      channel,
      reasonCode: random.pick(REASONS[inScope ? serviceLine : 'out_of_scope']!),
      payer: payerFor(random, age),
      documents,
    },
    events: [],
    appointments: [],
    visits: [],
  };
  // An event's key is (referral, type, minute): two events of one type never share a minute.
  const taken = new Set<string>();
  const event = (type: string, at: number, detail = '') => {
    while (taken.has(`${type}@${at}`)) at++;
    taken.add(`${type}@${at}`);
    journey.events.push({ referralId, type, at, detail });
  };

  // Triage: out-of-scope requests and a few others are declined.
  const triaged = nextWorkingMinute(received + random.int(60, 20 * 60));
  if (!inScope) {
    event('declined', triaged, 'out_of_scope');
    return journey;
  }
  const decline = random.weighted([['none', 0.95], ['insurance', 0.025], ['clinical', 0.015], ['duplicate', 0.01]] as const);
  if (decline !== 'none') {
    event('declined', triaged, decline);
    return journey;
  }
  event('accepted', triaged);

  // Missing documents are requested; most arrive days later, some never.
  let packetNeverCompleted = false;
  missing.forEach((doc) => {
    const requested = nextWorkingMinute(triaged + random.int(30, 8 * 60));
    event('doc_requested', requested, doc);
    if (random.chance(0.85)) event('doc_received', requested + Math.round(random.logNormal(52, 0.7) * 60), doc);
    else packetNeverCompleted = true;
  });

  // Contact: slower when intake is short-staffed or the week is busy.
  const monday = mondayOf(day);
  const staffing = ctx.practice.understaffedWeeks.has(monday) ? 2.6 : 1;
  const load = Math.max(0.7, loadRatio(ctx.practice, day));
  let attempt = received + Math.round(random.logNormal(CONTACT_MEDIAN_HOURS[urgency] * staffing * load ** 1.5, 0.7) * 60);
  if (urgency !== 'stat') attempt = nextWorkingMinute(attempt);
  const reachable = random.chance(0.94);
  let contacted: number | undefined;
  for (let tries = 0; tries < 4 && contacted === undefined; tries++) {
    event('contact_attempt', attempt);
    if (reachable && random.chance(0.65)) contacted = attempt + random.int(0, 10);
    else attempt = nextWorkingMinute(attempt + random.int(18, 40) * 60);
  }
  if (contacted === undefined) return journey;
  event('contact_made', contacted);
  // A packet that never completes stalls scheduling: half such patients are
  // never booked (they wait on a record and go elsewhere).
  if (packetNeverCompleted && random.chance(0.5)) return journey;
  if (random.chance(0.03)) {
    event('patient_declined', contacted + 5);
    return journey;
  }

  // Scheduling: lead time grows when the week's demand exceeds its slots, and
  // no-shows rise with lead time.
  let booked = contacted + random.int(5, 90);
  for (let booking = 0; booking < 3; booking++) {
    const pressure = Math.max(1, demandRatio(ctx.practice, serviceLine as ServiceLine, Math.floor(booked / MINUTES_PER_DAY)));
    const leadDays = random.logNormal(LEAD_MEDIAN_DAYS[urgency] * (serviceLine === 'imaging' ? 0.5 : 1) * pressure ** 2.5, 0.5);
    const start = slot(random, booked + Math.round(leadDays * MINUTES_PER_DAY));
    const status = random.chance(0.07) ? 'cancelled' : random.chance(noShowProbability((start - booked) / MINUTES_PER_DAY)) ? 'no_show' : 'completed';
    const appointment = addAppointment(ctx, journey, patient, serviceLine, firstAppointmentType(serviceLine, path), booked, start, status, random.chance(0.2) ? '' : referralId);
    if (status === 'completed') {
      addVisit(ctx, journey, appointment, serviceLine === 'imaging' ? 0.96 : 0.86);
      maybeFollowUp(ctx, journey, patient, serviceLine, appointment.start, path);
      break;
    }
    // After a cancellation or a no-show, some patients are booked again.
    if (!random.chance(status === 'cancelled' ? 0.6 : 0.45)) break;
    booked = status === 'cancelled' ? Math.max(booked + 60, start - random.int(1, 5) * MINUTES_PER_DAY) : start + random.int(1, 3) * MINUTES_PER_DAY;
  }
  return journey;
}

/**
 * No-show chance by lead time. A published study found waits of 8–14 days
 * halve the odds of attending compared with 7 days or less; longer waits are
 * worse still.
 */
export function noShowProbability(leadDays: number): number {
  if (leadDays <= 7) return 0.05;
  if (leadDays <= 14) return 0.095; // attend odds 19 → 9.5
  if (leadDays <= 30) return 0.14;
  return 0.2;
}

function chooseServiceLine(random: Random, path: Path, clinician: Clinician | undefined, day: number): string {
  const surge = ORTHO_SURGE.months.includes(dateOf(day).month) ? ORTHO_SURGE.factor : 1;
  if (path === 'consult') {
    if (random.chance(0.07)) return random.pick(OUT_OF_SCOPE_LINES);
    return random.weighted([['cardiology', 0.34], ['orthopedics', 0.36 * surge], ['gastroenterology', 0.3]] as const);
  }
  if (path === 'post_discharge') return random.weighted([['cardiology', 0.45], ['orthopedics', 0.3 * surge], ['gastroenterology', 0.25]] as const);
  const specialty = clinician?.specialty[1] ?? '';
  if (specialty === 'Cardiovascular Disease') return random.weighted([['cardiology', 0.6], ['imaging', 0.4]] as const);
  if (specialty === 'Gastroenterology') return random.weighted([['gastroenterology', 0.5], ['imaging', 0.5]] as const);
  return random.chance(0.03) ? 'neurology' : 'imaging';
}

function chooseUrgency(random: Random, path: Path) {
  if (path === 'post_discharge') return random.weighted([['urgent', 0.6], ['routine', 0.35], ['stat', 0.05]] as const);
  if (path === 'diagnostic') return random.weighted([['routine', 0.75], ['urgent', 0.2], ['stat', 0.05]] as const);
  return random.weighted([['routine', 0.86], ['urgent', 0.12], ['stat', 0.02]] as const);
}

/** Faxes and calls arrive in office hours; portals and EHR messages at any hour. */
function receivedMinute(random: Random, day: number, channel: Channel): number {
  const anyHour = (channel === 'portal' || channel === 'ehr' || channel === 'email') && random.chance(0.15);
  const minute = anyHour ? random.int(0, MINUTES_PER_DAY - 1) : random.int(8 * 60, 17 * 60 + 30);
  return day * MINUTES_PER_DAY + minute;
}

function choosePatient(ctx: JourneyContext, age: number, day: number): Patient {
  const { random, recentPatients } = ctx;
  if (recentPatients.length > 50 && random.chance(0.08)) return random.pick(recentPatients);
  const patient = makePatient(random, ctx.next.patient++, age, day);
  if (recentPatients.length >= 5000) recentPatients[random.int(0, recentPatients.length - 1)] = patient;
  else recentPatients.push(patient);
  return patient;
}

/** The packet: complete at receipt with a chance set by channel and the office's habits. */
function packet(random: Random, required: string[], channel: Channel, habit: number) {
  const completeChance = Math.min(0.98, Math.max(0.02, CHANNEL_COMPLETENESS[channel] * habit));
  let missing: string[] = [];
  if (required.length > 0 && !random.chance(completeChance)) {
    missing = required.filter(() => random.chance(0.5));
    if (missing.length === 0) missing = [random.pick(required)];
  }
  const documents = required.filter((d) => !missing.includes(d));
  if (random.chance(0.3)) documents.push(random.pick(['medication_list', 'problem_list', 'prior_imaging']));
  return { documents, missing };
}

function loadRatio(practice: DemoPractice, day: number): number {
  const i = day - practice.startDay;
  const recent = practice.expectedPerDay.slice(Math.max(0, i - 3), i + 4);
  const mean = practice.options.referrals / practice.expectedPerDay.length;
  return recent.reduce((s, x) => s + x, 0) / recent.length / mean;
}

/** An appointment slot: a working day, on the quarter hour, 08:00–16:30. */
function slot(random: Random, minute: number): number {
  const start = nextWorkingMinute(minute);
  const day = Math.floor(start / MINUTES_PER_DAY);
  return day * MINUTES_PER_DAY + 8 * 60 + 15 * random.int(0, 34);
}

function firstAppointmentType(serviceLine: string, path: Path): string {
  if (serviceLine === 'imaging') return 'imaging';
  if (serviceLine === 'gastroenterology' && path === 'diagnostic') return 'procedure';
  return 'new_patient';
}

function addAppointment(ctx: JourneyContext, journey: Journey, patient: Patient, serviceLine: string, type: string, booked: number, start: number, status: AppointmentRecord['status'], referralId: string) {
  const appointment: AppointmentRecord = {
    appointmentId: `AP${String(ctx.next.appointment++).padStart(8, '0')}`,
    referralId,
    mrn: patient.mrn,
    serviceLine,
    type,
    booked,
    start: Math.max(start, booked + 60),
    status,
  };
  journey.appointments.push(appointment);
  return appointment;
}

function addVisit(ctx: JourneyContext, journey: Journey, appointment: AppointmentRecord, summaryChance: number) {
  const at = appointment.start + ctx.random.int(0, 25);
  journey.visits.push({
    visitId: `VS${String(ctx.next.visit++).padStart(8, '0')}`,
    appointmentId: ctx.random.chance(0.95) ? appointment.appointmentId : '',
    mrn: appointment.mrn,
    serviceLine: appointment.serviceLine,
    at,
    summarySent: ctx.random.chance(summaryChance) ? at + Math.round(ctx.random.logNormal(40, 0.8) * 60) : undefined,
  });
}

/** A quarter of consults and discharge follow-ups come back for a follow-up visit, booked without a referral id. */
function maybeFollowUp(ctx: JourneyContext, journey: Journey, patient: Patient, serviceLine: string, after: number, path: Path) {
  if (path === 'diagnostic' || !ctx.random.chance(0.25)) return;
  const start = slot(ctx.random, after + ctx.random.int(21, 56) * MINUTES_PER_DAY);
  const status = ctx.random.chance(0.85) ? 'completed' : 'no_show';
  const appointment = addAppointment(ctx, journey, patient, serviceLine, 'follow_up', after + 30, start, status, '');
  if (status === 'completed') addVisit(ctx, journey, appointment, 0.8);
}
