// A raw row that yields no canonical row of its own but goes into one
// emitted from another raw row: a Slot counted in its week's capacity row, a
// Communication whose sent time is a visit's summary_sent_at, a
// DocumentReference listed in a referral's documents. Such a row counts as
// that row does (emitted, or quarantined when every canonical row of it was).
//
// AdapterOutput has no call that says so. When the output offers
// `contributed(origin, to)` the adapter uses it; otherwise the row is
// skipped under a rule that names what it went into, so that
// rows_read = rows_emitted + rows_skipped + rows_quarantined still holds.
import type { AdapterOutput, Origin } from '../adapter.ts';

interface ContributingOutput extends AdapterOutput {
  contributed?(origin: Origin, to: Origin): void;
}

export function contributed(output: AdapterOutput, origin: Origin, to: Origin, rule: string): void {
  const o = output as ContributingOutput;
  if (typeof o.contributed === 'function') o.contributed(origin, to);
  else output.skip(origin, rule);
}

/** The rules of rows that went into another row's canonical row (when the output cannot say so). */
export const CONTRIBUTED_RULES = {
  capacity: 'counted in capacity',
  summary: 'summary_sent_at of a visit',
  document: 'document of a referral',
} as const;
