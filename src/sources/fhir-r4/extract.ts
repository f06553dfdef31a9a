// A resource's fields (fields.ts), read defensively (elements.ts) with the
// delivery's value maps, service lines and zone. Nothing here depends on
// other resources, so it runs wherever the resource is parsed: in this
// thread, or in a worker thread (extract-worker.ts).
import type { ReadingContext } from '../adapter.ts';
import { fhirTime } from './datetime.ts';
import {
  codings,
  conceptValues,
  element,
  elements,
  firstMapped,
  humanName,
  ICD10CM_SYSTEM,
  identifierOfType,
  identifierValue,
  meta,
  NPI_SYSTEM,
  officeZip,
  postalCode,
  text,
  type Resource,
} from './elements.ts';
import type { Fields, IdentifierField, ServiceLineField, TimeField } from './fields.ts';
import { Maps } from './maps.ts';
import { References, ownKey } from './references.ts';
import { Zone } from './zone.ts';

const REFERRAL_INTENTS = new Set(['order', 'original-order', 'plan']);

export class Extractor {
  private readonly maps: Maps;
  private readonly zone: Zone;
  /** keyOf only: it needs no aliases. */
  private readonly refs = new References();

  constructor(private readonly context: ReadingContext) {
    this.maps = new Maps(context);
    this.zone = new Zone(context.timezone);
  }

  fields(resource: Resource, fullUrl: string | undefined): Fields {
    const key = ownKey(resource, fullUrl);
    const fields = this.byType(resource);
    if (key !== undefined) fields.key = key;
    if (text(resource.status) === 'entered-in-error' || (resource.resourceType === 'DocumentReference' && text(resource.docStatus) === 'entered-in-error')) fields.voided = true;
    return fields;
  }

  private byType(r: Resource): Fields {
    switch (r.resourceType) {
      case 'ServiceRequest':
        return this.serviceRequest(r);
      case 'Task':
        return this.task(r);
      case 'Appointment':
        return {
          type: 'Appointment',
          status: text(r.status),
          mappedStatus: this.maps.get('appointment_status').get(text(r.status)),
          basedOn: this.keys(r.basedOn, 'ServiceRequest'),
          participants: elements(r.participant).map((p) => ({ actor: this.refs.keyOf(p.actor), patient: this.refs.keyOf(p.actor, 'Patient') })),
          serviceLine: this.serviceLine([r.serviceType, r.specialty]),
          appointmentType: firstMapped([r.appointmentType], (v) => this.maps.get('appointment_type').get(v)),
          created: this.time(r.created),
          start: this.time(r.start),
        };
      case 'Encounter':
        return {
          type: 'Encounter',
          status: text(r.status),
          basedOn: this.keys(r.basedOn, 'ServiceRequest'),
          appointment: this.refs.keyOf(elements(r.appointment)[0], 'Appointment'),
          subject: this.refs.keyOf(r.subject, 'Patient'),
          serviceLine: this.serviceLine([r.serviceType, r.type]),
          periodStart: this.time(element(r.period)?.start),
        };
      case 'Communication':
        return {
          type: 'Communication',
          status: text(r.status),
          contact: this.maps.get('communication_status').get(text(r.status)),
          basedOn: this.keys(r.basedOn, 'ServiceRequest'),
          recipients: this.keys(r.recipient),
          sent: this.time(r.sent),
          lastUpdated: this.time(meta(r).lastUpdated),
        };
      case 'DocumentReference':
        return this.documentReference(r);
      case 'Practitioner':
        return {
          type: 'Practitioner',
          npi: identifierValue(r.identifier, NPI_SYSTEM),
          name: humanName(r.name),
          zip: officeZip(postalCode(r.address, { skipHome: true })),
          identifiers: identifiers(r),
        };
      case 'Patient': {
        const mrn = identifierOfType(r.identifier, 'MR');
        return {
          type: 'Patient',
          mrn,
          mrnIdentifiers: mrn === undefined ? [] : elements(r.identifier).filter((id) => text(id.value) === mrn).map((id) => ({ system: text(id.system), value: mrn })),
          birthDate: text(r.birthDate),
          zip: postalCode(r.address),
          gender: text(r.gender),
        };
      }
      case 'PractitionerRole':
        return {
          type: 'PractitionerRole',
          practitioner: this.refs.keyOf(r.practitioner, 'Practitioner'),
          organization: this.refs.keyOf(r.organization, 'Organization'),
          location: this.refs.keyOf(elements(r.location)[0], 'Location'),
          specialty: firstCode(r.specialty),
          identifiers: identifiers(r),
        };
      case 'Organization':
        return { type: 'Organization', name: text(r.name), zip: officeZip(postalCode(r.address)), identifiers: identifiers(r) };
      case 'Location':
        return { type: 'Location', zip: officeZip(postalCode(r.address)), identifiers: identifiers(r) };
      case 'Schedule':
        return { type: 'Schedule', serviceLine: this.serviceLineOf(conceptValues([r.serviceType, r.specialty])) };
      case 'Slot':
        return {
          type: 'Slot',
          status: text(r.status),
          appointmentType: firstMapped([r.appointmentType], (v) => this.maps.get('appointment_type').get(v)),
          schedule: this.refs.keyOf(r.schedule, 'Schedule'),
          serviceLine: this.serviceLineOf(conceptValues([r.serviceType])),
          startMs: this.time(r.start)?.ms,
        };
      default:
        return { type: 'other' };
    }
  }

  private serviceRequest(r: Resource): Fields {
    const priority = text(r.priority);
    const category = this.maps.get('referral_category');
    return {
      type: 'ServiceRequest',
      referralIntent: REFERRAL_INTENTS.has(text(r.intent) ?? ''),
      referralCategory: firstMapped([r.category], (v) => (category.get(v) === 'referral' ? true : undefined)) === true,
      // performerType, then code, then category.
      serviceLine: this.serviceLine([r.performerType, r.code, r.category]),
      requester: this.refs.keyOf(element(r.requester)),
      requesterDisplay: text(element(r.requester)?.display),
      subject: this.refs.keyOf(r.subject, 'Patient'),
      authoredOn: this.time(r.authoredOn),
      supporting: this.keys(r.supportingInfo, 'DocumentReference'),
      priority,
      urgency: priority === undefined ? undefined : this.maps.get('priority').get(priority),
      reasonCode: reasonCode(r.reasonCode),
      status: text(r.status),
      lastUpdated: this.time(meta(r).lastUpdated),
    };
  }

  private task(r: Resource): Fields {
    const m = meta(r);
    return {
      type: 'Task',
      focus: this.refs.keyOf(r.focus),
      authoredOn: this.time(r.authoredOn),
      versionId: m.versionId,
      lastUpdatedMs: this.time(m.lastUpdated)?.ms,
      event: this.taskEvent(r),
    };
  }

  /**
   * The event a Task says: status rejected or cancelled, else a BSeR
   * businessStatus the map knows, else the task_status map; at
   * executionPeriod.start, else lastModified, else meta.lastUpdated.
   */
  private taskEvent(r: Resource): { type: string; at?: TimeField; detail?: string } | undefined {
    const { maps } = this;
    const byStatus = maps.get('task_status').get(text(r.status));
    let type = byStatus;
    if (byStatus !== 'declined' && byStatus !== 'cancelled') {
      const bser = maps.get('bser_business_status');
      let byBusiness: string | undefined;
      for (const coding of codings(r.businessStatus)) {
        byBusiness = bser.get(coding.code) ?? bser.get(coding.display);
        if (byBusiness !== undefined) break;
      }
      type = byBusiness ?? byStatus;
    }
    if (type === undefined) return undefined;
    const at = this.time(text(element(r.executionPeriod)?.start) ?? text(r.lastModified) ?? meta(r).lastUpdated);
    return { type, at, detail: type === 'declined' ? maps.declineDetail(reasonText(r.statusReason)) : undefined };
  }

  private documentReference(r: Resource): Fields {
    const map = this.maps.get('documents');
    const mapped = firstMapped([r.type], (v) => map.get(v));
    return {
      type: 'DocumentReference',
      documentType: mapped ?? conceptValues([r.type])[0],
      mapped: mapped !== undefined,
      date: this.time(r.date),
      lastUpdated: this.time(meta(r).lastUpdated),
      related: this.keys(element(r.context)?.related, 'ServiceRequest'),
    };
  }

  private time(value: unknown): TimeField | undefined {
    const time = fhirTime(value, this.zone);
    if (time === undefined) return undefined;
    const field: TimeField = { text: time.text };
    if (time.ms !== undefined) field.ms = time.ms;
    if (time.partial) field.partial = true;
    return field;
  }

  /** The keys a repeating Reference names, as written; references that name nothing are left out. */
  private keys(references: unknown, expectedType?: string): string[] {
    const out: string[] = [];
    for (const reference of elements(references)) {
      const key = this.refs.keyOf(reference, expectedType);
      if (key !== undefined) out.push(key);
    }
    return out;
  }

  private serviceLineOf(values: readonly string[]): string | undefined {
    for (const value of values) {
      const line = this.context.serviceLineOf(value);
      if (line !== undefined) return line;
    }
    return undefined;
  }

  /** The first coding (code, then display, then the concept's text) that names a configured line, and the first value as written. */
  private serviceLine(concepts: readonly unknown[]): ServiceLineField {
    const values = conceptValues(concepts);
    const field: ServiceLineField = {};
    const line = this.serviceLineOf(values);
    if (line !== undefined) field.line = line;
    if (values[0] !== undefined) field.written = values[0];
    return field;
  }
}

function identifiers(resource: Resource): IdentifierField[] {
  const out: IdentifierField[] = [];
  for (const id of elements(resource.identifier)) {
    const value = text(id.value);
    if (value !== undefined) out.push({ system: text(id.system), value });
  }
  return out;
}

function firstCode(concepts: unknown): string | undefined {
  for (const concept of elements(concepts)) {
    for (const coding of elements(concept.coding)) {
      const code = text(coding.code);
      if (code) return code;
    }
  }
  return undefined;
}

function reasonCode(concepts: unknown): string | undefined {
  for (const concept of elements(concepts)) {
    for (const coding of elements(concept.coding)) {
      if (text(coding.system) === ICD10CM_SYSTEM && text(coding.code)) return text(coding.code);
    }
  }
  return undefined;
}

/** A statusReason as words to look for keywords in: its text, else its codings' display and code. */
function reasonText(concept: unknown): string | undefined {
  const written = text(element(concept)?.text);
  if (written) return written;
  const words = codings(concept).flatMap((c) => [c.display, c.code]).filter((w): w is string => w !== undefined);
  return words.length > 0 ? words.join(' ') : undefined;
}
