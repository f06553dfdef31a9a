// References between resources of one delivery. Every resource is known by
// its key `Type/id`. A reference may name it in several ways:
//
// - `Practitioner/123`, `Practitioner/123/_history/2`, or an absolute URL
//   ending in `Practitioner/123` → `Practitioner/123`;
// - `urn:uuid:…` (or `urn:oid:…`): a Bundle entry's `fullUrl`, resolved to the
//   key of the entry's resource;
// - by identifier, as a conditional reference `Practitioner?identifier=system|value`
//   or a logical reference `{ "identifier": { "system", "value" } }` (Synthea
//   writes both): resolved through the identifiers of the delivery's lookup
//   resources (Practitioner, PractitionerRole, Organization, Location, and the
//   medical record number of a Patient).
//
// Keys are first taken as written (`keyOf`) and resolved (`resolve`) once the
// aliases they may name are known: a reference can come before the Bundle
// entry or the lookup resource it points to.
import { element, text, type Resource } from './elements.ts';

const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
/** A reference already written as a key: used as it is (no new string to keep). */
const CANONICAL = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

// Keys are built with join, which makes one flat string; a template literal
// makes a rope of its parts, which costs more to keep in an index.
const joined = (...parts: string[]) => parts.join('');

export class References {
  private readonly aliases = new Map<string, string>();
  private readonly identifiers = new Map<string, string>();

  get hasAliases(): boolean {
    return this.aliases.size > 0 || this.identifiers.size > 0;
  }

  /** A Bundle entry's fullUrl names its resource. */
  addAlias(fullUrl: string, key: string): void {
    if (fullUrl !== key) this.aliases.set(fullUrl, key);
  }

  /** An identifier (`system|value`) names the resource of this type. The first resource to claim it keeps it. */
  addIdentifier(type: string, system: string | undefined, value: string, key: string): void {
    const name = identifierKey(type, system, value);
    if (!this.identifiers.has(name)) this.identifiers.set(name, key);
  }

  /** The key a Reference names, as written; undefined for a contained (`#…`) or display-only reference. */
  keyOf(reference: unknown, expectedType?: string): string | undefined {
    const ref = element(reference);
    if (!ref) return undefined;
    const literal = text(ref.reference);
    if (literal !== undefined) return literalKey(literal);
    const identifier = element(ref.identifier);
    const value = text(identifier?.value);
    const type = text(ref.type) ?? expectedType;
    if (value === undefined || type === undefined) return undefined;
    return identifierKey(type, text(identifier?.system), value);
  }

  /** A key resolved to `Type/id` where the delivery says what it names; else as it was. */
  resolve(key: string | undefined): string | undefined {
    if (key === undefined) return undefined;
    if (key.startsWith('urn:')) return this.aliases.get(key) ?? key;
    if (key.includes('?')) return this.identifiers.get(key) ?? key;
    return key;
  }

  /** keyOf then resolve. */
  find(reference: unknown, expectedType?: string): string | undefined {
    return this.resolve(this.keyOf(reference, expectedType));
  }
}

function literalKey(literal: string): string | undefined {
  if (CANONICAL.test(literal)) return literal;
  if (literal.startsWith('#')) return undefined;
  if (/^urn:(uuid|oid):/i.test(literal)) return fullUrlKey(literal);
  const question = literal.indexOf('?');
  if (question > 0) {
    const type = literal.slice(literal.lastIndexOf('/', question) + 1, question);
    const params = new URLSearchParams(literal.slice(question + 1));
    const token = params.get('identifier');
    if (!token || !/^[A-Z][A-Za-z]+$/.test(type)) return undefined;
    const bar = token.indexOf('|');
    return bar < 0 ? identifierKey(type, undefined, token) : identifierKey(type, token.slice(0, bar) || undefined, token.slice(bar + 1));
  }
  const m = LITERAL.exec(literal);
  return m ? joined(m[1]!, '/', m[2]!) : undefined;
}

function identifierKey(type: string, system: string | undefined, value: string): string {
  return joined(type, '?', system ?? '', '|', value);
}

/** The resource type a key names (`ServiceRequest` for `ServiceRequest/1` or `ServiceRequest?…|…`); undefined for an unresolved urn. */
export function typeOfKey(key: string | undefined): string | undefined {
  if (key === undefined || key.startsWith('urn:')) return undefined;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */) return key.slice(0, i);
  }
  return undefined;
}

/** The id of a `Type/id` key; undefined for a key that is not resolved to one. */
export function idOfKey(key: string | undefined): string | undefined {
  if (key === undefined || key.startsWith('urn:') || key.includes('?')) return undefined;
  return key.slice(key.indexOf('/') + 1);
}

/** For a key by identifier (`Type?system|value`): the system and value. */
export function identifierOfKey(key: string | undefined): { system: string; value: string } | undefined {
  if (key === undefined) return undefined;
  const q = key.indexOf('?');
  if (q < 0) return undefined;
  const bar = key.indexOf('|', q);
  return { system: key.slice(q + 1, bar), value: key.slice(bar + 1) };
}

/**
 * A resource's own key: `Type/id`; a Bundle entry without an id takes it from
 * its fullUrl (the uuid of `urn:uuid:…`, or the last segment of a URL).
 */
export function ownKey(resource: Resource, fullUrl: string | undefined): string | undefined {
  const id = text(resource.id) ?? idFromFullUrl(fullUrl);
  return id === undefined ? undefined : joined(resource.resourceType, '/', id);
}

function idFromFullUrl(fullUrl: string | undefined): string | undefined {
  if (fullUrl === undefined) return undefined;
  if (/^urn:uuid:/i.test(fullUrl)) return fullUrl.slice(9).toLowerCase();
  const m = LITERAL.exec(fullUrl);
  return m?.[2];
}

/** How a fullUrl is written as an alias key (urn:uuid lower-cased, as literalKey does). */
export function fullUrlKey(fullUrl: string): string {
  if (!/^urn:uuid:/i.test(fullUrl)) return fullUrl;
  const lower = fullUrl.toLowerCase();
  return lower === fullUrl ? fullUrl : lower;
}
