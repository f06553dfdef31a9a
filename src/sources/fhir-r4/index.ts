// The fhir-r4 source adapter: a FHIR R4 bulk export ($export NDJSON, one
// file per resource type, or .json files holding a resource or a Bundle) into
// canonical referrals, referral events, appointments, visits, providers and
// capacity. The mapping is in docs/sources/fhir-r4.md.
import type { DeliveryFile, SourceAdapter } from '../adapter.ts';
import { DEFAULT_MAPS, MAP_TARGETS } from './maps.ts';
import { readDelivery } from './read.ts';
import { formatOf } from './records.ts';

export const fhirR4Adapter: SourceAdapter = {
  name: 'fhir-r4',
  defaultMaps: DEFAULT_MAPS,
  mapTargets: MAP_TARGETS as Readonly<Record<string, readonly string[]>>,
  accepts: (file: DeliveryFile) => formatOf(file.name) !== undefined,
  read: readDelivery,
};
