// The demo's outreach log (liaison_activities) with a planted, known effect:
// one liaison's visits lift the visited clinician's referrals for the 8
// weeks after the visit week, another liaison's visits change nothing, and
// calls, emails and lunches to others change nothing either. The lift is
// extra referrals on top of the clinician's own (drawn from a random stream
// of their own, so the rest of the demo is the demo it was); the truth file
// records the referrals a week each lifted touch is expected to add, so a
// test can ask liaison_lift to find it.
import { mondayOf } from './calendar.ts';
import type { Clinician, DemoPractice } from './practice.ts';
import type { Random } from './random.ts';

export const LIFTED_LIAISON = 'Priya Raman';
export const UNLIFTED_LIAISON = 'Marcus Reyes';
/** The referrals of a lifted clinician are this many times their own in the 8 weeks after the visit week. */
export const LIFT_FACTOR = 2;
const TOUCHES_EACH = 16;
const BACKGROUND = 160;
const BACKGROUND_TYPES = ['call', 'email', 'lunch'] as const;

export interface DemoActivity {
  id: string;
  day: number;
  minute: number;
  liaison: string;
  clinician: Clinician;
  type: 'visit' | 'call' | 'lunch' | 'email' | 'event';
}

/** A lift on a clinician's referrals: `factor` times their own, on days [from, to). */
export interface DemoLift {
  clinician: Clinician;
  from: number;
  to: number;
  factor: number;
}

export interface LiaisonPlan {
  activities: DemoActivity[];
  lifts: DemoLift[];
}

export interface PlantedLiaisonTruth {
  lifted: { liaison: string; type: 'visit'; touches: number; factor: number; expected_lift_per_week: number };
  not_lifted: { liaison: string; type: 'visit'; touches: number };
  background: { types: readonly string[]; activities: number };
}

/**
 * Plans the log: 16 visits by each of the two liaisons to distinct steady
 * referrers (about 1 to 6 referrals a week, not dormant or declining), each
 * in a week whose 8 weeks before and after lie inside the demo and end 20
 * weeks before its last day (so a lift never reads as a later decline);
 * then background calls, emails and lunches to any referring clinician.
 */
export function planLiaisonLog(practice: DemoPractice, random: Random): LiaisonPlan {
  const weeks = (practice.endDay - practice.startDay) / 7;
  const perWeek = (c: Clinician) => (c.weight * practice.options.referrals) / weeks;
  const steady = random.shuffle(practice.clinicians.filter((c) => c.inDirectory && c.pattern.kind === 'steady' && perWeek(c) >= 0.75 && perWeek(c) <= 7.5));
  const first = mondayOf(practice.startDay) + 7 * 9;
  const last = mondayOf(practice.endDay) - 7 * 28;
  const activities: DemoActivity[] = [];
  const lifts: DemoLift[] = [];
  if (last <= first || steady.length < 2 * TOUCHES_EACH) return { activities, lifts };
  let n = 0;
  const add = (liaison: string, clinician: Clinician, day: number, type: DemoActivity['type']) =>
    activities.push({ id: `LA${String(++n).padStart(6, '0')}`, day, minute: random.int(8 * 60, 17 * 60), liaison, clinician, type });
  const weekday = (monday: number) => monday + random.int(0, 4);
  steady.slice(0, 2 * TOUCHES_EACH).forEach((clinician, i) => {
    const monday = first + 7 * random.int(0, (last - first) / 7);
    const liaison = i < TOUCHES_EACH ? LIFTED_LIAISON : UNLIFTED_LIAISON;
    add(liaison, clinician, weekday(monday), 'visit');
    if (liaison === LIFTED_LIAISON) lifts.push({ clinician, from: monday + 7, to: monday + 7 + 56, factor: LIFT_FACTOR });
  });
  const touched = new Set(steady.slice(0, 2 * TOUCHES_EACH));
  const referring = practice.clinicians.filter((c) => c.weight > 0 && !touched.has(c));
  for (let i = 0; i < BACKGROUND; i++) {
    const clinician = random.pick(referring);
    add(clinician.office.liaison, clinician, practice.startDay + random.int(0, practice.endDay - practice.startDay), random.pick(BACKGROUND_TYPES));
  }
  activities.sort((a, b) => a.day - b.day || a.minute - b.minute);
  return { activities, lifts };
}

/** A lift's extra referrals on a day: (factor − 1) times the clinician's own expected share of the day's arrivals. */
export function extraPerDay(lift: DemoLift, day: number, expectedToday: number, totalWeight: number): number {
  if (day < lift.from || day >= lift.to || totalWeight === 0) return 0;
  return (lift.factor - 1) * expectedToday * (lift.clinician.weight / totalWeight);
}

/** What the truth file says of the plan; `expected` is each lifted touch's expected extra referrals over its 8 weeks. */
export function liaisonTruth(plan: LiaisonPlan, expected: number[]): PlantedLiaisonTruth {
  const visits = (liaison: string) => plan.activities.filter((a) => a.type === 'visit' && a.liaison === liaison).length;
  const mean = expected.length ? expected.reduce((s, x) => s + x, 0) / expected.length / 8 : 0;
  return {
    lifted: { liaison: LIFTED_LIAISON, type: 'visit', touches: visits(LIFTED_LIAISON), factor: LIFT_FACTOR, expected_lift_per_week: Math.round(mean * 1000) / 1000 },
    not_lifted: { liaison: UNLIFTED_LIAISON, type: 'visit', touches: visits(UNLIFTED_LIAISON) },
    background: { types: BACKGROUND_TYPES, activities: plan.activities.filter((a) => a.type !== 'visit').length },
  };
}
