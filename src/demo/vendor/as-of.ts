// A journey as the practice's systems know it at the demo's end: what a full
// export taken that evening holds. The same cut the canonical writer applies to
// its monthly files (extracts.ts): events, visits and summaries at or before
// the end, appointments booked by then with the status they had then (one
// that starts later is still booked).
import type { AppointmentRecord, EventRecord, Journey, ReferralRecord, VisitRecord } from '../journey.ts';
import type { Patient } from '../people.ts';

export type StatusAsOf = 'booked' | AppointmentRecord['status'];

export interface ContactAttempt {
  at: number;
  /** `reached`: this call reached the patient at `contactAt`, by the end; `reached_later`: it did, after the end. */
  outcome: 'no_answer' | 'reached' | 'reached_later';
  contactAt?: number;
}

export interface JourneyAsOf {
  referral: ReferralRecord;
  /** Known events in time order. */
  events: EventRecord[];
  appointments: (AppointmentRecord & { statusAsOf: StatusAsOf })[];
  visits: (VisitRecord & { summaryAsOf: number | undefined })[];
  /** The calls to the patient placed by the end, and what came of each. */
  attempts: ContactAttempt[];
  accepted: EventRecord | undefined;
  declined: EventRecord | undefined;
  /** The summary of the referral's first visit, when it went out by the end. */
  firstSummary: number | undefined;
}

export function journeyAsOf(journey: Journey, endMinute: number): JourneyAsOf {
  const known = journey.events.filter((e) => e.at <= endMinute);
  const events = known.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map(({ e }) => e);
  const made = journey.events.find((e) => e.type === 'contact_made');
  const calls = known.filter((e) => e.type === 'contact_attempt');
  // The call that reached the patient is the last attempt: the journey stops calling once someone answers.
  const attempts: ContactAttempt[] = calls.map((e, i) => {
    if (!made || i < calls.length - 1 || made.at < e.at) return { at: e.at, outcome: 'no_answer' };
    return made.at <= endMinute ? { at: e.at, outcome: 'reached', contactAt: made.at } : { at: e.at, outcome: 'reached_later' };
  });
  const visits = journey.visits
    .filter((v) => v.at <= endMinute)
    .map((v) => ({ ...v, summaryAsOf: v.summarySent !== undefined && v.summarySent <= endMinute ? v.summarySent : undefined }));
  return {
    referral: journey.referral,
    events,
    appointments: journey.appointments.filter((a) => a.booked <= endMinute).map((a) => ({ ...a, statusAsOf: a.start <= endMinute ? a.status : 'booked' })),
    visits,
    attempts,
    accepted: events.find((e) => e.type === 'accepted'),
    declined: events.find((e) => e.type === 'declined'),
    firstSummary: visits[0]?.summaryAsOf,
  };
}

/**
 * Writes each patient once, at their first referral. Patients are numbered as
 * they are made and a returning patient is always an earlier one, so the
 * highest MRN seen so far is all there is to remember.
 */
export class PatientRegister {
  private highest = -1;

  isNew(patient: Patient): boolean {
    const n = mrnNumber(patient.mrn);
    if (n <= this.highest) return false;
    this.highest = n;
    return true;
  }
}

/** The digits of a demo MRN (`MRN04000007` → 4000007). */
export function mrnNumber(mrn: string): number {
  const n = Number(mrn.replace(/^MRN/, ''));
  if (!Number.isSafeInteger(n)) throw new Error(`not a demo MRN: ${mrn.length} characters`);
  return n;
}
