// The output shapes of `refloop demo`, and what a vendor writer is: something
// that takes each simulated journey as it is made and writes it into one
// delivery folder in the vendor's own tables or resources.
import type { Journey } from '../journey.ts';

export const DEMO_SHAPES = ['csv', 'epic-ehi', 'fhir-r4'] as const;
export type DemoShape = (typeof DEMO_SHAPES)[number];
export type VendorShape = Exclude<DemoShape, 'csv'>;

export function isDemoShape(value: unknown): value is DemoShape {
  return typeof value === 'string' && (DEMO_SHAPES as readonly string[]).includes(value);
}

/** Each vendor shape's source in the demo config: its name, and the folder under the inbox it delivers into. */
export const VENDOR_SOURCES: Record<VendorShape, { name: string; adapter: VendorShape; path: string }> = {
  'epic-ehi': { name: 'epic', adapter: 'epic-ehi', path: 'epic' },
  'fhir-r4': { name: 'fhir', adapter: 'fhir-r4', path: 'fhir' },
};

export interface VendorWriter {
  write(journey: Journey): void;
  /** Writes what is left (directories, capacity), closes every file; returns the paths written. */
  close(): string[];
}

/**
 * A fact the canonical demo writes that a vendor demo of the same seed carries
 * differently or not at all, once its adapter has read it (sources.md): the
 * canonical kind and column it shows in (column null for whole rows), what
 * differs, and why the vendor's shape or mapping cannot carry it.
 */
export interface DemoDifference {
  kind: 'referrals' | 'referral_events' | 'appointments' | 'visits' | 'providers' | 'capacity';
  column: string | null;
  fact: string;
  why: string;
}
