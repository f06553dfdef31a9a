// The indexes the first pass builds over a delivery: only what the second
// pass needs to emit a row without holding the resources themselves (a bulk
// export of a million referrals is several million resources). Each entry is
// kept small (a few strings and numbers, a row's place in the delivery
// rather than the row), since there are millions.
import type { TimeField } from './fields.ts';
import { compareRefs, type RecordRef } from './record-ref.ts';
import type { References } from './references.ts';

export interface PatientFacts {
  /** The identifier whose type is MR, else undefined (the Patient id is then the patient_id). */
  mrn?: string;
  birthDate?: string;
  zip?: string;
  gender?: string;
}

export interface PractitionerFacts {
  id: string;
  npi?: string;
  name?: string;
  /** First postal code of an address that is not a home address. */
  zip?: string;
}

export interface RoleFacts {
  /** Keys as written (resolve before use). */
  practitioner?: string;
  organization?: string;
  location?: string;
  specialty?: string;
}

export interface OrganizationFacts {
  name?: string;
  zip?: string;
}

// Classes rather than object literals: V8 keeps a class's fields inside the
// object, where a spread literal needs a separate property array.

/** A ServiceRequest, and where it is. */
export class RequestFacts implements RecordRef {
  readonly file: number;
  readonly ordinal: number;
  readonly line: number;
  /** Named by a Task.focus, an Appointment.basedOn or an Encounter.basedOn read after it (those read before are in referencedRequests). */
  referenced = false;
  /** Decided once the whole delivery is indexed. */
  isReferral = false;
  /** The instant it was received: authoredOn, else (after the first pass) the earliest Task.authoredOn focused on it. */
  receivedMs: number | undefined;

  constructor(
    /** Its key, the very string the requests map holds (other indexes share it). */
    readonly key: string,
    ref: RecordRef,
    /** Not entered-in-error, and an intent a referral has (order, original-order, plan). */
    readonly eligible: boolean,
    /** Its category names a referral on its own (referral_category map). */
    readonly referralCategory: boolean,
    readonly hasAuthoredOn: boolean,
    authoredMs: number | undefined,
    /** Keys as written. */
    readonly requester: string | undefined,
    readonly subject: string | undefined,
    /** The configured service line it names, else its first value as written (an unknown line). */
    readonly serviceLine: string | undefined,
    readonly serviceLineConfigured: boolean,
  ) {
    this.file = ref.file;
    this.ordinal = ref.ordinal;
    this.line = ref.line;
    this.receivedMs = authoredMs;
  }
}

/** A finished Encounter with a start, and where it is. */
export class VisitCandidate implements RecordRef {
  readonly file: number;
  readonly ordinal: number;
  readonly line: number;
  constructor(
    ref: RecordRef,
    readonly ms: number,
  ) {
    this.file = ref.file;
    this.ordinal = ref.ordinal;
    this.line = ref.line;
  }
}

/** The Communication that closes a referral's loop (its sent time, where it is) and the visit that carries it. */
export class LoopClosure {
  constructor(
    readonly sent: TimeField,
    readonly summaryFile: number,
    readonly summaryOrdinal: number,
    readonly visit: VisitCandidate,
  ) {}

  isSummary(ref: RecordRef): boolean {
    return ref.file === this.summaryFile && ref.ordinal === this.summaryOrdinal;
  }
}

/** A completed Communication to a clinician, based on a request, and where it is. */
export class SummaryCandidate implements RecordRef {
  readonly file: number;
  readonly ordinal: number;
  readonly line: number;
  constructor(
    ref: RecordRef,
    /** Recipient keys as written (one, or several). */
    readonly recipients: string | string[],
    readonly sent: TimeField,
    readonly sentMs: number,
  ) {
    this.file = ref.file;
    this.ordinal = ref.ordinal;
    this.line = ref.line;
  }
}

export interface DocumentFacts {
  /** The instant of `date`; undefined when undated. */
  ms?: number;
  /** Its document type, and whether the documents map named it (else it is the code as written). */
  type?: string;
  mapped: boolean;
}

/** Several values under one key, kept as the value itself while there is one (most keys have one). Values are never arrays. */
export class MultiMap<V extends object | string> {
  private map = new Map<string, V | V[]>();

  get size(): number {
    return this.map.size;
  }

  add(key: string, value: V): void {
    const prior = this.map.get(key);
    if (prior === undefined) this.map.set(key, value);
    else if (Array.isArray(prior)) prior.push(value);
    else this.map.set(key, [prior, value]);
  }

  get(key: string): readonly V[] {
    const value = this.map.get(key);
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }

  *entries(): IterableIterator<[string, readonly V[]]> {
    for (const key of this.map.keys()) yield [key, this.get(key)];
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  *values(): IterableIterator<V> {
    for (const value of this.map.values()) {
      if (Array.isArray(value)) yield* value;
      else yield value;
    }
  }

  /** Rewrites keys (and values) through `resolve`. */
  rekey(resolve: (key: string) => string, resolveValue: (value: V) => V = (v) => v): void {
    const old = [...this.entries()];
    this.map = new Map();
    for (const [key, values] of old) for (const value of values) this.add(resolve(key), resolveValue(value));
  }

  clear(): void {
    this.map.clear();
  }
}

export class DeliveryState {
  readonly patients = new Map<string, PatientFacts>();
  readonly practitioners = new Map<string, PractitionerFacts>();
  readonly roles = new Map<string, RoleFacts>();
  readonly organizations = new Map<string, OrganizationFacts>();
  readonly locations = new Map<string, { zip?: string }>();
  /** Schedule key → the service line its serviceType / specialty names (configured lines only). */
  readonly schedules = new Map<string, { serviceLine?: string }>();

  readonly requests = new Map<string, RequestFacts>();
  /** ServiceRequests named by a Task.focus, an Appointment.basedOn or an Encounter.basedOn before the request itself was read. */
  referencedRequests = new Set<string>();
  /** ServiceRequest without authoredOn (or not yet read) → the earliest authoredOn of a Task focused on it. */
  taskAuthored = new Map<string, TimeField>();
  /** Task key → how many versions of it the delivery holds. */
  readonly taskVersions = new Map<string, number>();
  /** Appointment → the ServiceRequest it is based on (its key as sharedRequestKey gives it). */
  appointmentRequest = new Map<string, string>();
  /** ServiceRequest → its first finished Encounter (through Encounter.basedOn). */
  visitByRequest = new Map<string, VisitCandidate>();
  /** Appointment → the first finished Encounter of it, for Encounters without basedOn. */
  visitByAppointment = new Map<string, VisitCandidate>();
  /** ServiceRequest → completed Communications to a clinician based on it. */
  readonly summaries = new MultiMap<SummaryCandidate>();
  readonly documents = new Map<string, DocumentFacts>();
  /** DocumentReference → the ServiceRequests that list it in supportingInfo. */
  readonly supportingDocuments = new MultiMap<string>();
  /** ServiceRequest → the DocumentReferences whose context.related names it. */
  readonly relatedDocuments = new MultiMap<string>();

  // Decided after the first pass.
  /** Practitioner key → its first PractitionerRole key. */
  readonly firstRole = new Map<string, string>();
  /** Practitioners that requested a referral (directly or through a role). */
  readonly requesters = new Set<string>();
  /** ServiceRequest → the Communication that closes its loop, and the visit it is written on. */
  readonly loopClosure = new Map<string, LoopClosure>();

  /** One string for each distinct requester key: a few thousand clinicians are named by a million referrals. */
  private readonly requesterKeys = new Map<string, string>();

  /** The key of a request as the requests map holds it when the request is known (one string, not a copy per reference). */
  sharedRequestKey(key: string): string {
    return this.requests.get(key)?.key ?? key;
  }

  sharedRequester(key: string | undefined): string | undefined {
    if (key === undefined) return undefined;
    const shared = this.requesterKeys.get(key);
    if (shared !== undefined) return shared;
    this.requesterKeys.set(key, key);
    return key;
  }

  /**
   * Rewrites the keys gathered while some aliases were not yet known
   * (`urn:uuid:…` full URLs, references by identifier) to `Type/id`.
   */
  resolveKeys(refs: References, isEarlier: (a: TimeField, b: TimeField) => boolean): void {
    if (!refs.hasAliases) return;
    const r = (key: string) => refs.resolve(key) ?? key;
    // A million referrals' indexes hold millions of keys: only those that
    // hold a key resolve could change are rebuilt (rebuilt unchanged, they
    // would come out the same, in the same order).
    if (anyUnresolved(this.referencedRequests)) this.referencedRequests = new Set([...this.referencedRequests].map(r));
    if (anyUnresolved(this.taskAuthored.keys())) this.taskAuthored = rekey(this.taskAuthored, r, (a, b) => (isEarlier(b, a) ? b : a));
    if (anyUnresolved(this.appointmentRequest.keys()) || anyUnresolved(this.appointmentRequest.values())) {
      this.appointmentRequest = new Map([...this.appointmentRequest].map(([k, v]) => [r(k), r(v)]));
    }
    if (anyUnresolved(this.visitByRequest.keys())) this.visitByRequest = rekey(this.visitByRequest, r, earlierVisit);
    if (anyUnresolved(this.visitByAppointment.keys())) this.visitByAppointment = rekey(this.visitByAppointment, r, earlierVisit);
    if (anyUnresolved(this.summaries.keys())) this.summaries.rekey(r);
    for (const map of [this.supportingDocuments, this.relatedDocuments]) {
      if (anyUnresolved(map.keys()) || anyUnresolved(map.values())) map.rekey(r, r);
    }
  }
}

/** Whether any key is one `References.resolve` may rewrite: a `urn:` full URL or a reference by identifier. */
function anyUnresolved(keys: Iterable<string>): boolean {
  for (const key of keys) if (key.startsWith('urn:') || key.includes('?')) return true;
  return false;
}

export function earlierVisit(a: VisitCandidate, b: VisitCandidate): VisitCandidate {
  if (b.ms !== a.ms) return b.ms < a.ms ? b : a;
  return compareRefs(b, a) < 0 ? b : a;
}

function rekey<V>(map: Map<string, V>, resolve: (key: string) => string, merge: (a: V, b: V) => V): Map<string, V> {
  const out = new Map<string, V>();
  for (const [key, value] of map) {
    const k = resolve(key);
    const prior = out.get(k);
    out.set(k, prior === undefined ? value : merge(prior, value));
  }
  return out;
}
