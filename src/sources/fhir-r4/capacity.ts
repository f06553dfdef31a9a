// Slot → capacity. A Slot counts as a new-patient slot when its status is
// free or busy, its appointmentType is not a follow-up (appointment_type
// map), and its serviceType, else its Schedule's serviceType or specialty,
// names a configured service line. Slots are counted per service line and
// week of their start (ISO week, Monday, in the practice's time zone): one
// capacity row per (service line, week), emitted from the group's first Slot;
// the group's other Slots went into that row.
import type { Origin } from '../adapter.ts';
import { contributed, CONTRIBUTED_RULES } from './accounting.ts';
import type { SlotFields } from './fields.ts';
import type { Row, Run } from './run.ts';
import { dayText, mondayOf } from './zone.ts';

const COUNTED_STATUSES = new Set(['free', 'busy']);

interface Week {
  serviceLine: string;
  monday: number;
  slots: number;
  first: Origin;
}

export class Capacity {
  private readonly weeks = new Map<string, Week>();

  constructor(private readonly run: Run) {}

  add(row: Row<SlotFields>): void {
    const { run } = this;
    const { fields, origin } = row;
    if (!COUNTED_STATUSES.has(fields.status ?? '')) return run.output.skip(origin, 'not free or busy');
    if (fields.appointmentType === 'follow_up') return run.output.skip(origin, 'follow-up slot');
    const scheduleKey = run.refs.resolve(fields.schedule);
    const serviceLine = fields.serviceLine ?? (scheduleKey === undefined ? undefined : run.state.schedules.get(scheduleKey)?.serviceLine);
    if (serviceLine === undefined) return run.output.skip(origin, 'no service line');
    const startMs = fields.startMs;
    if (startMs === undefined) return run.output.skip(origin, 'no start');
    const monday = mondayOf(run.zone.localDay(startMs));
    const id = `${serviceLine}\u0000${monday}`;
    const week = this.weeks.get(id);
    if (week) {
      week.slots += 1;
      contributed(run.output, origin, week.first, CONTRIBUTED_RULES.capacity);
    } else {
      this.weeks.set(id, { serviceLine, monday, slots: 1, first: origin });
    }
  }

  /** Emits one row per (service line, week). */
  finish(): void {
    for (const week of this.weeks.values()) {
      this.run.output.emit('capacity', { service_line: week.serviceLine, week_start: dayText(week.monday), new_patient_slots: String(week.slots) }, week.first);
    }
  }
}
