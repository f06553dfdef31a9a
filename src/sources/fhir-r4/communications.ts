// Communication → contact events and loop closure.
//
// - Based on a referral and sent to its patient: status completed →
//   `contact_made` at `sent`; not-done or stopped → `contact_attempt` at
//   `sent`, else meta.lastUpdated (communication_status map).
// - Based on a referral, sent to its requester (the same Practitioner or
//   PractitionerRole, that role's practitioner, or a role of that
//   practitioner), completed: a visit summary. The earliest one sent at or
//   after the referral's first visit started is that visit's
//   summary_sent_at. One sent before the visit (an acknowledgement of the
//   referral, a status note) does not close the loop; while the referral has
//   no visit in the delivery, none does.
import { contributed, CONTRIBUTED_RULES } from './accounting.ts';
import { elements, meta, text } from './elements.ts';
import { isRequester } from './lookups.ts';
import { compareRefs } from './record-ref.ts';
import { typeOfKey } from './references.ts';
import { referralOf } from './requests.ts';
import type { Row, Run } from './run.ts';
import { LoopClosure, SummaryCandidate } from './state.ts';

const CLINICIAN_TYPES = new Set(['Practitioner', 'PractitionerRole']);

export function indexCommunication(run: Run, row: Row): void {
  const { resource } = row;
  if (text(resource.status) !== 'completed') return;
  const sent = run.instant(resource.sent);
  if (sent?.ms === undefined) return;
  const sentMs = sent.ms;
  const recipients = elements(resource.recipient)
    .map((r) => run.refs.keyOf(r))
    .filter((k): k is string => k !== undefined && (typeOfKey(k) === undefined || CLINICIAN_TYPES.has(typeOfKey(k)!)));
  if (recipients.length === 0) return;
  const candidate = new SummaryCandidate(row.ref, recipients.length === 1 ? recipients[0]! : recipients, sent.raw, sentMs);
  for (const reference of elements(resource.basedOn)) {
    const key = run.refs.keyOf(reference, 'ServiceRequest');
    if (key !== undefined && (typeOfKey(key) === 'ServiceRequest' || typeOfKey(key) === undefined)) run.state.summaries.add(run.state.sharedRequestKey(run.refs.resolve(key)!), candidate);
  }
}

/** After the first pass: for each referral with a visit, the Communication that closes its loop. */
export function decideLoopClosure(run: Run): void {
  const { state } = run;
  for (const [key, candidates] of state.summaries.entries()) {
    const facts = state.requests.get(key);
    const visit = state.visitByRequest.get(key);
    if (!facts?.isReferral || !visit) continue;
    let best: SummaryCandidate | undefined;
    for (const c of candidates) {
      const recipients = typeof c.recipients === 'string' ? [c.recipients] : c.recipients;
      if (c.sentMs < visit.ms || !recipients.some((r) => isRequester(run, r, facts.requester))) continue;
      if (!best || c.sentMs < best.sentMs || (c.sentMs === best.sentMs && compareRefs(c, best) < 0)) best = c;
    }
    if (best) state.loopClosure.set(key, new LoopClosure(best.sentRaw, best.file, best.ordinal, visit));
  }
  // Only the chosen ones are needed from here on.
  state.summaries.clear();
}

export function emitCommunication(run: Run, row: Row): void {
  const { resource, origin } = row;
  const { output, state } = run;
  const referral = referralOf(run, resource.basedOn);
  if (!referral) {
    output.skip(origin, 'not a referral communication');
    return;
  }
  const status = text(resource.status);
  const recipients = elements(resource.recipient).map((r) => run.refs.find(r));
  const subject = run.refs.resolve(referral.facts?.subject);
  const toPatient = recipients.some((r) => typeOfKey(r) === 'Patient' && (subject === undefined || r === subject));
  const toRequester = referral.facts !== undefined && recipients.some((r) => isRequester(run, r, referral.facts!.requester));

  const contact = toPatient ? run.maps.get('communication_status').get(status) : undefined;
  if (contact !== undefined) {
    const sent = text(resource.sent);
    output.emit(
      'referral_events',
      { referral_id: referral.id, event_type: contact, event_at: run.timeText(contact === 'contact_made' ? sent : (sent ?? meta(resource).lastUpdated), origin, 'event_at') },
      origin,
    );
    return;
  }
  const closure = state.loopClosure.get(referral.key);
  if (closure?.isSummary(row.ref)) {
    contributed(output, origin, run.originOf(closure.visit), CONTRIBUTED_RULES.summary);
    return;
  }
  output.skip(origin, notUsedBecause(run, row, referral.key, { toPatient, toRequester, status, absent: referral.facts === undefined }));
}

function notUsedBecause(run: Run, row: Row, referralKey: string, c: { toPatient: boolean; toRequester: boolean; status?: string; absent: boolean }): string {
  if (c.toPatient) return 'not a funnel event';
  if (c.toRequester) {
    if (c.status !== 'completed') return 'not a funnel event';
    const visit = run.state.visitByRequest.get(referralKey);
    if (!visit) return 'summary without a visit';
    const sent = run.instant(row.resource.sent)?.ms;
    if (sent === undefined) return 'summary without sent time';
    if (sent < visit.ms) return 'sent before the first visit';
    return 'not the first summary';
  }
  if (c.absent) return 'requester unknown';
  return 'not to the patient or the requester';
}
