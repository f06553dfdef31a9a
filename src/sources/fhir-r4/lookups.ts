// The resources read only to resolve others: Patient (the MRN, birth date,
// ZIP and sex of a referral's patient), Practitioner, PractitionerRole and
// Organization (who referred, from which office), Location (an office ZIP),
// Schedule (the service line of its Slots). They are indexed in the first
// pass and skipped as 'lookup' (Practitioners are emitted as providers:
// providers.ts).
import { NPI_SYSTEM } from './elements.ts';
import type { Fields, IdentifierField, IndexedFields } from './fields.ts';
import { identifierOfKey, idOfKey, typeOfKey } from './references.ts';
import type { Row, Run } from './run.ts';

/** Indexes a lookup resource (or a Practitioner). */
export function indexLookup(run: Run, row: Row<IndexedFields>): void {
  const { fields, key } = row;
  if (key === undefined) return;
  const { state } = run;
  switch (fields.type) {
    case 'Patient':
      state.patients.set(key, { mrn: fields.mrn, birthDate: fields.birthDate, zip: fields.zip, gender: fields.gender });
      for (const id of fields.mrnIdentifiers) run.refs.addIdentifier('Patient', id.system, id.value, key);
      return;
    case 'Practitioner':
      state.practitioners.set(key, { id: idOfKey(key)!, npi: fields.npi, name: fields.name, zip: fields.zip });
      break;
    case 'PractitionerRole':
      state.roles.set(key, { practitioner: fields.practitioner, organization: fields.organization, location: fields.location, specialty: fields.specialty });
      break;
    case 'Organization':
      state.organizations.set(key, { name: fields.name, zip: fields.zip });
      break;
    case 'Location':
      state.locations.set(key, { zip: fields.zip });
      break;
    case 'Schedule':
      state.schedules.set(key, { serviceLine: fields.serviceLine });
      return;
    default:
      return;
  }
  registerIdentifiers(run, fields.type, fields.identifiers, key);
}

function registerIdentifiers(run: Run, type: Fields['type'], identifiers: readonly IdentifierField[], key: string): void {
  for (const { system, value } of identifiers) run.refs.addIdentifier(type, system, value, key);
}

/** After the first pass: each Practitioner's first PractitionerRole, in delivery order. */
export function linkRoles(run: Run): void {
  for (const [roleKey, role] of run.state.roles) {
    const practitioner = run.refs.resolve(role.practitioner);
    if (practitioner !== undefined && !run.state.firstRole.has(practitioner)) run.state.firstRole.set(practitioner, roleKey);
  }
}

/** The patient_id of a Patient reference (its key as written): its MR identifier, else its id. */
export function patientIdOf(run: Run, written: string | undefined): string | undefined {
  const key = run.refs.resolve(written);
  if (key === undefined || typeOfKey(key) !== 'Patient') return undefined;
  const facts = run.state.patients.get(key);
  if (facts?.mrn !== undefined) return facts.mrn;
  // A patient by identifier that the delivery does not hold: the identifier is the MRN when that is what it names.
  return idOfKey(key) ?? identifierOfKey(key)?.value;
}

export interface Clinician {
  npi?: string;
  id?: string;
  name?: string;
  practice?: string;
}

/**
 * Who a reference to a requester names: a Practitioner, a PractitionerRole
 * (through its practitioner and organization) or an Organization; a name
 * from the reference's display when the delivery does not hold it.
 */
export function clinicianOf(run: Run, requesterKey: string | undefined, display: string | undefined): Clinician {
  const { state, refs } = run;
  const key = refs.resolve(requesterKey);
  const type = typeOfKey(key);
  if (type === 'Organization') return { practice: state.organizations.get(key!)?.name ?? display };
  let practitionerKey: string | undefined;
  let roleKey: string | undefined;
  if (type === 'PractitionerRole') {
    roleKey = key;
    practitionerKey = refs.resolve(state.roles.get(key!)?.practitioner);
  } else if (type === 'Practitioner') {
    practitionerKey = key;
    roleKey = state.firstRole.get(key!);
  }
  const practitioner = practitionerKey !== undefined ? state.practitioners.get(practitionerKey) : undefined;
  const role = roleKey !== undefined ? state.roles.get(roleKey) : undefined;
  const byIdentifier = identifierOfKey(practitionerKey);
  return {
    npi: practitioner?.npi ?? (byIdentifier?.system === NPI_SYSTEM ? byIdentifier.value : undefined),
    id: practitioner?.id ?? idOfKey(practitionerKey),
    name: practitioner?.name ?? display,
    practice: organizationName(run, role?.organization),
  };
}

function organizationName(run: Run, organizationKey: string | undefined): string | undefined {
  const key = run.refs.resolve(organizationKey);
  return key === undefined ? undefined : run.state.organizations.get(key)?.name;
}

/** Whether a recipient is the referral's requester: the same Practitioner or PractitionerRole, or a role of that practitioner, or that role's practitioner. */
export function isRequester(run: Run, recipientKey: string | undefined, requesterKey: string | undefined): boolean {
  const recipient = run.refs.resolve(recipientKey);
  const requester = run.refs.resolve(requesterKey);
  if (recipient === undefined || requester === undefined) return false;
  if (recipient === requester) return true;
  return practitionerBehind(run, recipient) !== undefined && practitionerBehind(run, recipient) === practitionerBehind(run, requester);
}

function practitionerBehind(run: Run, key: string): string | undefined {
  const type = typeOfKey(key);
  if (type === 'Practitioner') return key;
  if (type === 'PractitionerRole') return run.refs.resolve(run.state.roles.get(key)?.practitioner);
  return undefined;
}
