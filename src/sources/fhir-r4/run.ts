// What one read of a delivery shares: the context and output it was given,
// the merged value maps, the practice's zone, the references of the delivery
// and the indexes the first pass builds (state.ts).
import type { AdapterOutput, DeliveryFile, Origin, ReadingContext } from '../adapter.ts';
import type { Fields, IndexedFields, ServiceLineField, TimeField } from './fields.ts';
import { Maps } from './maps.ts';
import { References } from './references.ts';
import type { RecordRef } from './record-ref.ts';
import { DeliveryState, type RequestFacts } from './state.ts';
import { Zone } from './zone.ts';

/** One resource being handled: its fields (fields.ts; in the first pass, Indexed ones), key and place. */
export interface Row<F extends IndexedFields = Fields> {
  fields: F;
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
    readonly context: ReadingContext,
    readonly output: AdapterOutput,
  ) {
    this.maps = new Maps(context);
    this.zone = new Zone(context.timezone);
  }

  originOf(ref: RecordRef): Origin {
    return { file: this.files[ref.file]!.name, line: ref.line };
  }

  /** A time as canonical text; a year or month alone is counted as an issue of `column`. */
  timeText(time: TimeField | undefined, origin: Origin, column: string): string | undefined {
    if (time?.partial) this.output.issue(origin.file, column, 'a date with only a year or a month: taken as its first day, local midnight');
    return time?.text;
  }

  /**
   * The service line of an appointment or visit: its own configured line,
   * else its referral's configured line, else its own value as written, else
   * its referral's as written.
   */
  serviceLineWithReferral(own: ServiceLineField, referral: RequestFacts | undefined): string | undefined {
    if (own.line !== undefined) return own.line;
    if (referral?.serviceLineConfigured) return referral.serviceLine;
    return own.written ?? referral?.serviceLine;
  }
}
