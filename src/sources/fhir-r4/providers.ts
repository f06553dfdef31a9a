// Practitioner → providers: every Practitioner with an NPI or that requested
// a referral of the delivery (directly or through a PractitionerRole). From
// its first PractitionerRole: specialty (the first specialty code), practice
// and organization (the role's Organization name), zip (the role's Location,
// else its Organization, else the practitioner's own office address; a home
// address is never used). Others are skipped as 'not a referrer'.
import type { PractitionerFields } from './fields.ts';
import { idOfKey, typeOfKey } from './references.ts';
import type { Row, Run } from './run.ts';

/** After the first pass: the practitioners who requested a referral. */
export function collectRequesters(run: Run): void {
  const { state, refs } = run;
  for (const facts of state.requests.values()) {
    if (!facts.isReferral) continue;
    const key = refs.resolve(facts.requester);
    if (typeOfKey(key) === 'Practitioner') state.requesters.add(key!);
    else if (typeOfKey(key) === 'PractitionerRole') {
      const practitioner = refs.resolve(state.roles.get(key!)?.practitioner);
      if (practitioner !== undefined) state.requesters.add(practitioner);
    }
  }
}

export function emitPractitioner(run: Run, row: Row<PractitionerFields>): void {
  const { fields, key, origin } = row;
  const { state, refs } = run;
  const npi = fields.npi;
  if (npi === undefined && (key === undefined || !state.requesters.has(key))) {
    run.output.skip(origin, 'not a referrer');
    return;
  }
  const own = key === undefined ? undefined : state.practitioners.get(key);
  const roleKey = key === undefined ? undefined : state.firstRole.get(key);
  const role = roleKey === undefined ? undefined : state.roles.get(roleKey);
  const organizationKey = refs.resolve(role?.organization);
  const organization = organizationKey === undefined ? undefined : state.organizations.get(organizationKey);
  const locationKey = refs.resolve(role?.location);
  const location = locationKey === undefined ? undefined : state.locations.get(locationKey);
  run.output.emit(
    'providers',
    {
      npi,
      provider_id: idOfKey(key),
      name: fields.name,
      specialty: role?.specialty,
      practice: organization?.name,
      organization: organization?.name,
      zip: location?.zip ?? organization?.zip ?? own?.zip,
    },
    origin,
  );
}
