// The practice's wall clock as instants and back, for comparing FHIR times
// written with and without a zone (a referral authored `2017-03-05` and a
// document dated `2017-03-05T10:00:00Z`) and for naming a slot's local week.
// The text handed to the canonical path is never converted here: it keeps
// what the source wrote, and the canonical contract does the conversion.

const BUCKET_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export class Zone {
  private readonly format: Intl.DateTimeFormat;
  /** Offsets by 15-minute bucket of UTC time: zone changes fall on such boundaries in the years a practice's data covers. */
  private readonly offsets = new Map<number, number>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local time minus UTC, in milliseconds, at an instant. */
  offsetAt(ms: number): number {
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const start = bucket * BUCKET_MS;
      const p: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(start))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
      offset = wall - start;
      this.offsets.set(bucket, offset);
    }
    return offset;
  }

  /**
   * The instant of a local wall-clock time (month 1–12). A time in a
   * spring-forward gap moves forward by the gap; one that occurs twice in a
   * fall-back hour is the first, as the canonical contract reads them.
   */
  instantOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const before = this.offsetAt(wall - DAY_MS / 2);
    const after = this.offsetAt(wall + DAY_MS / 2);
    if (before === after) return wall - before;
    const withBefore = wall - before;
    const withAfter = wall - after;
    const beforeHolds = this.offsetAt(withBefore) === before;
    const afterHolds = this.offsetAt(withAfter) === after;
    if (beforeHolds && afterHolds) return Math.min(withBefore, withAfter);
    if (afterHolds && !beforeHolds) return withAfter;
    return withBefore;
  }

  /** The local calendar date of an instant, as a UTC-midnight day number (days since 1970-01-01). */
  localDay(ms: number): number {
    return Math.floor((ms + this.offsetAt(ms)) / DAY_MS);
  }
}

/** `YYYY-MM-DD` of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The Monday on or before a day number (1970-01-01 was a Thursday). */
export function mondayOf(day: number): number {
  return day - ((((day + 3) % 7) + 7) % 7);
}

export function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / DAY_MS;
}
