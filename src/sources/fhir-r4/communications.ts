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
import type { CommunicationFields, Indexed } from './fields.ts';
import { isRequester } from './lookups.ts';
import { compareRefs } from './record-ref.ts';
import { typeOfKey } from './references.ts';
import { referralOf } from './requests.ts';
import type { Row, Run } from './run.ts';
import { LoopClosure, SummaryCandidate } from './state.ts';

const CLINICIAN_TYPES = new Set(['Practitioner', 'PractitionerRole']);

export function indexCommunication(run: Run, row: Row<Indexed<'Communication'>>): void {
  const { fields } = row;
  if (fields.status !== 'completed') return;
  const sent = fields.sent;
  if (sent?.ms === undefined) return;
  const recipients = fields.recipients.filter((k) => typeOfKey(k) === undefined || CLINICIAN_TYPES.has(typeOfKey(k)!));
  if (recipients.length === 0) return;
  const candidate = new SummaryCandidate(row.ref, recipients.length === 1 ? recipients[0]! : recipients, sent, sent.ms);
  for (const key of fields.basedOn) {
    if (typeOfKey(key) === 'ServiceRequest' || typeOfKey(key) === undefined) run.state.summaries.add(run.state.sharedRequestKey(run.refs.resolve(key)!), candidate);
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
    if (best) state.loopClosure.set(key, new LoopClosure(best.sent, best.file, best.ordinal, visit));
  }
  // Only the chosen ones are needed from here on.
  state.summaries.clear();
}

export function emitCommunication(run: Run, row: Row<CommunicationFields>): void {
  const { fields, origin } = row;
  const { output, state } = run;
  const referral = referralOf(run, fields.basedOn);
  if (!referral) {
    output.skip(origin, 'not a referral communication');
    return;
  }
  const status = fields.status;
  const recipients = fields.recipients.map((r) => run.refs.resolve(r));
  const subject = run.refs.resolve(referral.facts?.subject);
  const toPatient = recipients.some((r) => typeOfKey(r) === 'Patient' && (subject === undefined || r === subject));
  const toRequester = referral.facts !== undefined && recipients.some((r) => isRequester(run, r, referral.facts!.requester));

  const contact = toPatient ? fields.contact : undefined;
  if (contact !== undefined) {
    const sent = fields.sent;
    output.emit(
      'referral_events',
      { referral_id: referral.id, event_type: contact, event_at: run.timeText(contact === 'contact_made' ? sent : (sent ?? fields.lastUpdated), origin, 'event_at') },
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

function notUsedBecause(
  run: Run,
  row: Row<CommunicationFields>,
  referralKey: string,
  c: { toPatient: boolean; toRequester: boolean; status?: string | undefined; absent: boolean },
): string {
  if (c.toPatient) return 'not a funnel event';
  if (c.toRequester) {
    if (c.status !== 'completed') return 'not a funnel event';
    const visit = run.state.visitByRequest.get(referralKey);
    if (!visit) return 'summary without a visit';
    const sent = row.fields.sent?.ms;
    if (sent === undefined) return 'summary without sent time';
    if (sent < visit.ms) return 'sent before the first visit';
    return 'not the first summary';
  }
  if (c.absent) return 'requester unknown';
  return 'not to the patient or the requester';
}
