// Reading FHIR elements defensively: a bulk export is JSON from someone
// else's server, so every element may be missing, a single value where an
// array is expected, or of the wrong type. These helpers return undefined or
// an empty list rather than throwing.

export type Resource = Record<string, unknown> & { resourceType: string };
export type Element = Record<string, unknown>;

export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
export const ICD10CM_SYSTEM = 'http://hl7.org/fhir/sid/icd-10-cm';

export function isElement(value: unknown): value is Element {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function element(value: unknown): Element | undefined {
  return isElement(value) ? value : undefined;
}

/** An element that may repeat, as a list of its objects (a single object counts as one). */
export function elements(value: unknown): Element[] {
  if (Array.isArray(value)) return value.filter(isElement);
  return isElement(value) ? [value] : [];
}

/** A non-empty string, trimmed. */
export function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export function codings(concept: unknown): Coding[] {
  return elements(element(concept)?.coding).map((c) => ({ system: text(c.system), code: text(c.code), display: text(c.display) }));
}

/**
 * The values a list of CodeableConcepts offers, in order: each coding's code,
 * then its display, then the concept's text. This is the order in which a
 * service line, a document type or a status code is looked up. An item of
 * the list may itself be a list of concepts (a repeating element).
 */
export function conceptValues(concepts: readonly unknown[]): string[] {
  const out: string[] = [];
  // Loops rather than elements() and codings(): this runs for millions of resources.
  for (const value of concepts) {
    if (Array.isArray(value)) {
      for (const item of value) if (isElement(item)) addConceptValues(item, out);
    } else if (isElement(value)) addConceptValues(value, out);
  }
  return out;
}

function addConceptValues(concept: Element, out: string[]): void {
  const coding = concept.coding;
  if (Array.isArray(coding)) {
    for (const item of coding) if (isElement(item)) addCodingValues(item, out);
  } else if (isElement(coding)) addCodingValues(coding, out);
  const t = text(concept.text);
  if (t) out.push(t);
}

function addCodingValues(coding: Element, out: string[]): void {
  const code = text(coding.code);
  if (code) out.push(code);
  const display = text(coding.display);
  if (display) out.push(display);
}

/** The first value of `concepts` (conceptValues order) that `lookup` knows, with what it maps to. */
export function firstMapped<T>(concepts: readonly unknown[], lookup: (value: string) => T | undefined): T | undefined {
  for (const value of conceptValues(concepts)) {
    const mapped = lookup(value);
    if (mapped !== undefined) return mapped;
  }
  return undefined;
}

/** The value of the first identifier with this system. */
export function identifierValue(identifiers: unknown, system: string): string | undefined {
  for (const id of elements(identifiers)) if (text(id.system) === system) return text(id.value);
  return undefined;
}

/** The value of the first identifier whose type has this v2-0203 code (MR: medical record number). */
export function identifierOfType(identifiers: unknown, typeCode: string): string | undefined {
  for (const id of elements(identifiers)) if (codings(id.type).some((c) => c.code === typeCode)) return text(id.value);
  return undefined;
}

/** A person's name: the official one (else the first); its text, else given names and family name. */
export function humanName(names: unknown): string | undefined {
  const list = elements(names);
  const name = list.find((n) => n.use === 'official') ?? list[0];
  if (!name) return undefined;
  const written = text(name.text);
  if (written) return written;
  const given = (Array.isArray(name.given) ? name.given : []).map(text).filter((g): g is string => g !== undefined);
  const family = text(name.family);
  const joined = [...given, ...(family ? [family] : [])].join(' ');
  return joined === '' ? undefined : joined;
}

/** The first postal code among addresses (optionally leaving out home addresses: a clinician's office is what counts). */
export function postalCode(addresses: unknown, { skipHome = false } = {}): string | undefined {
  for (const address of elements(addresses)) {
    if (skipHome && address.use === 'home') continue;
    const code = text(address.postalCode);
    if (code) return code;
  }
  return undefined;
}

/** An office ZIP: the five digits of a US ZIP or ZIP+4, else the postal code as written. */
export function officeZip(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  const us = /^(\d{5})(?:-?\d{4})?$/.exec(code);
  return us ? us[1] : code;
}

/** meta.lastUpdated, meta.versionId. */
export function meta(resource: Resource): { lastUpdated?: string; versionId?: string } {
  const m = element(resource.meta);
  return { lastUpdated: text(m?.lastUpdated), versionId: text(m?.versionId) };
}
