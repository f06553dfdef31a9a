// The value maps of the Epic adapter: data, not code. These are the defaults;
// a practice overrides or extends any of them under `sources[].maps.<name>`
// in its config, and `refloop init --profile epic-ehi` writes them out.
//
// Whole-value maps (urgency, referral_type, change_type, referral_status,
// appointment_status) match the Epic value case-insensitively after trimming.
// Keyword maps (decline_reason, pend_reason) are tried in the order written:
// the first keyword the value contains (case-insensitively) wins. In every
// map an entry whose canonical value is "" switches that source value (or
// keyword) off, so a practice can remove a default.
import type { ReadingContext, ValueMap } from '../adapter.ts';
import { normalizeValue } from '../value-map.ts';
import { own } from './tsv.ts';
import { APPOINTMENT_STATUSES, EVENT_TYPES, REFERRAL_TYPES, URGENCIES } from '../../contracts/extracts.ts';
import { DECLINE_KEYWORDS, DECLINE_REASONS } from '../decline-keywords.ts';

export const defaultMaps = {
  /** REFERRAL.PRIORITY_C_NAME → urgency; anything else is routine, counted. */
  urgency: {
    Routine: 'routine',
    Urgent: 'urgent',
    STAT: 'stat',
    Emergent: 'stat',
    ASAP: 'stat',
  },
  /** REFERRAL.RFL_TYPE_C_NAME → referral_type; anything else is consult, counted. */
  referral_type: {
    Consultation: 'consult',
    Consult: 'consult',
    Referral: 'consult',
    'Evaluate and Treat': 'consult',
    'MRI/CAT Scan': 'diagnostic',
    Imaging: 'diagnostic',
    Diagnostic: 'diagnostic',
    Lab: 'diagnostic',
    Procedure: 'diagnostic',
    'Post Discharge': 'post_discharge',
    'Discharge Follow-up': 'post_discharge',
  },
  /**
   * REFERRAL_HIST.CHANGE_TYPE_C_NAME → what the row is: `received` (its time
   * is the referral's received_at), `status` (look at NEW_RFL_STATUS_C_NAME
   * through referral_status), `pend` (look at NEW_PEND_RSN_C_NAME through
   * pend_reason), or a referral event type. Anything else is not a funnel event.
   */
  change_type: {
    'Create Referral': 'received',
    'Accept Referral': 'accepted',
    'Reject Referral': 'declined',
    'Deny Referral': 'declined',
    'Change Status': 'status',
    'Pend Referral': 'pend',
  },
  /** NEW_RFL_STATUS_C_NAME of a `Change Status` row → referral event type; anything else is not a funnel event. */
  referral_status: {
    Authorized: 'accepted',
    Approved: 'accepted',
    Accepted: 'accepted',
    Denied: 'declined',
    Rejected: 'declined',
    Canceled: 'cancelled',
    Cancelled: 'cancelled',
  },
  /** Keyword of REFERRAL_2.REJECT_REASON_C_NAME → decline detail, first match in this order; no match is `other`. */
  decline_reason: DECLINE_KEYWORDS,
  /** Keyword of NEW_PEND_RSN_C_NAME of a `Pend Referral` row → referral event type, first match in this order; no match is not a funnel event. */
  pend_reason: {
    missing: 'doc_requested',
    awaiting: 'doc_requested',
    records: 'doc_requested',
    information: 'doc_requested',
  },
  /** PAT_ENC.APPT_STATUS_C_NAME → appointment status; anything else is emitted as written (and quarantined). */
  appointment_status: {
    Scheduled: 'booked',
    Confirmed: 'booked',
    Completed: 'completed',
    Arrived: 'completed',
    'Checked In': 'completed',
    'Checked Out': 'completed',
    Canceled: 'cancelled',
    Cancelled: 'cancelled',
    Bumped: 'cancelled',
    'No Show': 'no_show',
    'Left without seen': 'no_show',
  },
} as const satisfies Record<string, Record<string, string>>;

export type MapName = keyof typeof defaultMaps;

/**
 * The canonical values each map may map onto ('' switches an entry off), for
 * checking a practice's overrides when the config loads.
 */
export const mapTargets: Readonly<Record<MapName, readonly string[]>> = {
  urgency: [...URGENCIES, ''],
  referral_type: [...REFERRAL_TYPES, ''],
  change_type: ['received', 'status', 'pend', ...EVENT_TYPES, ''],
  referral_status: [...EVENT_TYPES, ''],
  decline_reason: [...DECLINE_REASONS, ''],
  pend_reason: [...EVENT_TYPES, ''],
  appointment_status: [...APPOINTMENT_STATUSES, ''],
};

/** A whole-value lookup: the canonical value, or undefined when unmapped or switched off. */
export type Lookup = (value: string | null) => string | undefined;

/** A keyword rule: the canonical value of the first keyword the text contains, or undefined. */
export type KeywordRule = (text: string | null) => string | undefined;

export interface EpicMaps {
  urgency: Lookup;
  referralType: Lookup;
  changeType: Lookup;
  referralStatus: Lookup;
  appointmentStatus: Lookup;
  declineReason: KeywordRule;
  pendReason: KeywordRule;
}

export function epicMaps(context: ReadingContext): EpicMaps {
  return {
    urgency: lookup(context.map('urgency')),
    referralType: lookup(context.map('referral_type')),
    changeType: lookup(context.map('change_type')),
    referralStatus: lookup(context.map('referral_status')),
    appointmentStatus: lookup(context.map('appointment_status')),
    declineReason: keywordRule(context.map('decline_reason')),
    pendReason: keywordRule(context.map('pend_reason')),
  };
}

function lookup(map: ValueMap): Lookup {
  const get = memoized((value: string) => map.get(value) || undefined);
  return (value) => (value === null ? undefined : get(value));
}

const MEMO_LIMIT = 10_000;

/**
 * A function of a code-list value, remembered: the same few status words
 * come back on millions of rows. Stops remembering past MEMO_LIMIT distinct
 * values (a free-text column), so memory stays small.
 */
export function memoized<T>(fn: (value: string) => T): (value: string) => T {
  const memo = new Map<string, T>();
  return (value) => {
    const hit = memo.get(value);
    if (hit !== undefined || memo.has(value)) return hit as T;
    const result = fn(value);
    if (memo.size < MEMO_LIMIT) memo.set(own(value), result);
    return result;
  };
}

/**
 * Keywords in the map's entry order (a keyword first written in the defaults
 * keeps its place when the config changes its value; new keywords come
 * after), each with the value the merged map gives it.
 */
export function keywordRule(map: ValueMap): KeywordRule {
  const rules: [keyword: string, to: string][] = [];
  const seen = new Set<string>();
  for (const from of Object.keys(map.entries)) {
    const keyword = normalizeValue(from);
    if (keyword === '' || seen.has(keyword)) continue;
    seen.add(keyword);
    const to = map.get(from);
    if (to) rules.push([keyword, to]);
  }
  const match = memoized((text: string) => {
    const lower = text.toLowerCase();
    for (const [keyword, to] of rules) if (lower.includes(keyword)) return to;
    return undefined;
  });
  return (text) => (text === null ? undefined : match(text));
}
