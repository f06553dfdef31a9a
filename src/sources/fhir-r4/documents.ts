// DocumentReference → the documents of a referral. A document is linked to a
// referral when the ServiceRequest lists it in supportingInfo or the
// document names the request in context.related. Dated at or before the
// referral's receipt (or undated) it came with the packet: its type is in
// the referral's `documents`. Dated after receipt it arrived later: a
// `doc_received` event at its date, with its type as the detail. A document
// naming a request the delivery does not hold (a referral delivered earlier)
// is a `doc_received` at its date, else its meta.lastUpdated.
//
// The type is the first `type` coding the documents map knows (LOINC
// defaults), else the first code as written.
import { contributed, CONTRIBUTED_RULES } from './accounting.ts';
import type { DocumentReferenceFields, Indexed } from './fields.ts';
import { idOfKey, typeOfKey } from './references.ts';
import { requestStanding } from './requests.ts';
import type { Row, Run } from './run.ts';

export function indexDocument(run: Run, row: Row<Indexed<'DocumentReference'>>): void {
  const { fields, key } = row;
  if (key === undefined) return;
  run.state.documents.set(key, { ms: fields.date?.ms, type: fields.documentType, mapped: fields.mapped });
  for (const requestKey of relatedRequests(fields)) run.state.relatedDocuments.add(run.state.sharedRequestKey(run.refs.resolve(requestKey)!), key);
}

/** The requests context.related names (keys as written). */
function relatedRequests(fields: Pick<DocumentReferenceFields, 'related'>): string[] {
  return fields.related.filter((key) => typeOfKey(key) === 'ServiceRequest' || typeOfKey(key) === undefined);
}

function unmappedIssue(run: Run, file: string, column: string, type: string): void {
  run.output.issue(file, column, `document type '${type}' is not in the documents map: kept as written`);
}

/** The document types that came with a referral: its linked documents dated at or before receipt, each type once. */
export function documentsAtReceipt(run: Run, requestKey: string, supporting: readonly string[], receivedMs: number | undefined): string[] {
  const keys = new Set<string>();
  for (const written of supporting) {
    const key = run.refs.resolve(written);
    if (key !== undefined) keys.add(key);
  }
  for (const key of run.state.relatedDocuments.get(requestKey)) keys.add(key);
  const types: string[] = [];
  const file = run.originOf(run.state.requests.get(requestKey)!).file;
  for (const key of keys) {
    const doc = run.state.documents.get(key);
    if (doc?.type === undefined || types.includes(doc.type)) continue;
    if (doc.ms !== undefined && receivedMs !== undefined && doc.ms > receivedMs) continue;
    if (!doc.mapped) unmappedIssue(run, file, 'documents', doc.type);
    types.push(doc.type);
  }
  return types;
}

export function emitDocument(run: Run, row: Row<DocumentReferenceFields>): void {
  const { fields, key, origin } = row;
  const { state, output } = run;
  const doc = key === undefined ? undefined : state.documents.get(key);
  const linked = new Set<string>([...(key === undefined ? [] : state.supportingDocuments.get(key)), ...relatedRequests(fields).map((k) => run.refs.resolve(k)!)]);
  let emitted = false;
  let packetOf: Row['ref'] | undefined;
  for (const requestKey of linked) {
    const standing = requestStanding(run, requestKey);
    if (standing === 'not a referral') continue;
    const received = standing === 'referral' ? state.requests.get(requestKey)!.receivedMs : undefined;
    const afterReceipt = standing === 'absent' || (doc?.ms !== undefined && received !== undefined && doc.ms > received);
    if (!afterReceipt) {
      packetOf ??= state.requests.get(requestKey)!;
      continue;
    }
    if (doc?.type !== undefined && !doc.mapped) unmappedIssue(run, origin.file, 'detail', doc.type);
    output.emit(
      'referral_events',
      {
        referral_id: idOfKey(requestKey),
        event_type: 'doc_received',
        event_at: run.timeText(fields.date ?? fields.lastUpdated, origin, 'event_at'),
        detail: doc?.type,
      },
      origin,
    );
    emitted = true;
  }
  if (emitted) return;
  if (packetOf && doc?.type === undefined) output.skip(origin, 'no document type');
  else if (packetOf) contributed(output, origin, run.originOf(packetOf), CONTRIBUTED_RULES.document);
  else output.skip(origin, 'not linked to a referral');
}
