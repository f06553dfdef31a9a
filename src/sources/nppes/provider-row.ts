// One kept NPPES record as a canonical `providers` row (extracts.md).
//
// - npi: `NPI` as written (the canonical validation checks it).
// - name: for an organization (entity type 2) its legal business name; for a
//   person, first, middle and last name and the credential, in that order,
//   the empty ones left out ("Jane Q Smith MD").
// - specialty: the taxonomy code of the slot whose primary switch is Y, else
//   the code of slot 1.
// - practice: the organization's legal business name, else the other
//   organization name (a doing-business-as name).
// - zip: the first five digits of the practice location's postal code, which
//   NPPES writes as ZIP or ZIP+4 without a dash; a foreign postal code gives
//   none.
import type { CanonicalRow } from '../adapter.ts';

/** The fields of a kept record the mapping reads, as DuckDB returns them (NULL when empty). */
export interface NppesRecord {
  npi: string | null;
  entity_type: string | null;
  organization_name: string | null;
  last_name: string | null;
  first_name: string | null;
  middle_name: string | null;
  credential: string | null;
  other_organization_name: string | null;
  practice_postal_code: string | null;
  /** Taxonomy codes and primary switches by slot, in slot order (same length). */
  taxonomy_codes: (string | null)[];
  primary_switches: (string | null)[];
}

export interface MappedProvider {
  row: CanonicalRow;
  /** The postal code was present but does not start with five digits. */
  foreignPostalCode: boolean;
}

const clean = (value: string | null | undefined) => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

export function providerName(record: NppesRecord): string | undefined {
  if (clean(record.entity_type) === '2') return clean(record.organization_name);
  const parts = [record.first_name, record.middle_name, record.last_name, record.credential].map(clean).filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

export function primaryTaxonomy(record: NppesRecord): string | undefined {
  const primary = record.primary_switches.findIndex((value) => clean(value)?.toUpperCase() === 'Y');
  const chosen = primary >= 0 ? clean(record.taxonomy_codes[primary]) : undefined;
  return chosen ?? clean(record.taxonomy_codes[0]);
}

export function mapProvider(record: NppesRecord): MappedProvider {
  const postal = clean(record.practice_postal_code);
  const zip = postal && /^\d{5}/.test(postal) ? postal.slice(0, 5) : undefined;
  return {
    row: {
      npi: clean(record.npi),
      name: providerName(record),
      specialty: primaryTaxonomy(record),
      practice: clean(record.organization_name) ?? clean(record.other_organization_name),
      zip,
    },
    foreignPostalCode: postal !== undefined && zip === undefined,
  };
}
