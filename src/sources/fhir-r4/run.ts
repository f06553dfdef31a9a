// What one read of a delivery shares: the context and output it was given,
// the merged value maps, the practice's zone, the references of the delivery
// and the indexes the first pass builds (state.ts).
import type { AdapterContext, AdapterOutput, DeliveryFile, Origin } from '../adapter.ts';
import { fhirMoment, fhirTime, type Moment } from './datetime.ts';
import { conceptValues, type Resource } from './elements.ts';
import { Maps } from './maps.ts';
import { References } from './references.ts';
import type { RecordRef } from './record-ref.ts';
import { DeliveryState, type RequestFacts } from './state.ts';
import { Zone } from './zone.ts';

/** One resource being handled. */
export interface Row {
  resource: Resource;
  /** `Type/id` (from the id, else the Bundle entry's fullUrl). */
  key: string | undefined;
  ref: RecordRef;
  origin: Origin;
}

export class Run {
  readonly maps: Maps;
  readonly zone: Zone;
  readonly refs = new References();
  readonly state = new DeliveryState();

  constructor(
    readonly files: readonly DeliveryFile[],
    readonly context: AdapterContext,
    readonly output: AdapterOutput,
  ) {
    this.maps = new Maps(context);
    this.zone = new Zone(context.timezone);
  }

  originOf(ref: RecordRef): Origin {
    return { file: this.files[ref.file]!.name, line: ref.line };
  }

  /** A FHIR date/dateTime to compare or keep: its text as written and its instant; no issue is counted. */
  instant(value: unknown): Moment | undefined {
    return fhirMoment(value, this.zone);
  }

  /** A FHIR date/dateTime as canonical text; a year or month alone is counted as an issue of `column`. */
  timeText(value: unknown, origin: Origin, column: string): string | undefined {
    const time = fhirTime(value, this.zone);
    if (time?.partial) this.output.issue(origin.file, column, 'a date with only a year or a month: taken as its first day, local midnight');
    return time?.text;
  }

  /** The configured service line of the first source value that names one. */
  serviceLineOf(values: readonly string[]): string | undefined {
    for (const value of values) {
      const line = this.context.serviceLineOf(value);
      if (line !== undefined) return line;
    }
    return undefined;
  }

  /**
   * The service line of some CodeableConcepts: the first coding (code, then
   * display, then the concept's text) that names a configured line, and the
   * first value as written for when none does.
   */
  serviceLineFrom(concepts: unknown[]): { line?: string; written?: string } {
    const values = conceptValues(concepts);
    return { line: this.serviceLineOf(values), written: values[0] };
  }

  /**
   * The service line of an appointment or visit: its own configured line,
   * else its referral's configured line, else its own value as written, else
   * its referral's as written.
   */
  serviceLineWithReferral(concepts: unknown[], referral: RequestFacts | undefined): string | undefined {
    const own = this.serviceLineFrom(concepts);
    if (own.line !== undefined) return own.line;
    if (referral?.serviceLineConfigured) return referral.serviceLine;
    return own.written ?? referral?.serviceLine;
  }
}
