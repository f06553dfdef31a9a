// Task → referral_events. A Task whose focus is a referral gives an event at
// executionPeriod.start, else lastModified, else meta.lastUpdated:
//
// - status rejected or cancelled → declined / cancelled (the workflow's own
//   final word);
// - else the BSeR businessStatus code when the bser_business_status map
//   knows it (3.0 accepted, 4.0 declined, 6.0 cancelled, …);
// - else the task_status map (accepted, in-progress, on-hold, completed →
//   accepted). Other statuses (draft, requested, received, ready, failed)
//   are not funnel events.
//
// A declined event's detail is the decline reason of statusReason (its text,
// else its codings' display and code) by the decline_reason keywords.
//
// A delivery may hold several versions of one Task (meta.versionId differs:
// a history export). They are taken in order of versionId (numbers), else
// meta.lastUpdated, else as they come, and give one event per change: a
// version whose event is the previous version's is 'unchanged version'; a
// versionId seen before is 'duplicate version'.
import type { Origin } from '../adapter.ts';
import type { Indexed, TaskFields, TimeField } from './fields.ts';
import { compareRefs, type RecordRef } from './record-ref.ts';
import { idOfKey, typeOfKey } from './references.ts';
import { noteReferenced, requestStanding } from './requests.ts';
import type { Row, Run } from './run.ts';

export function indexTask(run: Run, row: Row<Indexed<'Task'>>): void {
  const { fields, key } = row;
  const focus = fields.focus;
  if (focus !== undefined && (typeOfKey(focus) === 'ServiceRequest' || typeOfKey(focus) === undefined)) {
    const { state } = run;
    const request = noteReferenced(run, focus);
    const authored = fields.authoredOn;
    // Only needed while the request is not known to have its own authoredOn.
    if (authored?.ms !== undefined && !state.requests.get(request)?.hasAuthoredOn) {
      const earliest = state.taskAuthored.get(request)?.ms;
      if (earliest === undefined || authored.ms < earliest) state.taskAuthored.set(request, authored);
    }
  }
  if (key !== undefined) run.state.taskVersions.set(key, (run.state.taskVersions.get(key) ?? 0) + 1);
}

interface TaskVersion {
  ref: RecordRef;
  origin: Origin;
  versionId?: string;
  lastUpdatedMs?: number;
  /** The referral it is focused on; undefined when not a referral. */
  referralId?: string;
  event?: { type: string; detail?: string; at?: TimeField };
}

/** The versions of multi-version Tasks, held until the last one is read. */
export class TaskVersions {
  private readonly pending = new Map<string, TaskVersion[]>();

  constructor(private readonly run: Run) {}

  add(row: Row<TaskFields>): void {
    const version = readVersion(this.run, row);
    const count = row.key === undefined ? 1 : (this.run.state.taskVersions.get(row.key) ?? 1);
    if (count <= 1) {
      this.settle([version]);
      return;
    }
    const list = this.pending.get(row.key!) ?? [];
    list.push(version);
    if (list.length < count) this.pending.set(row.key!, list);
    else {
      this.pending.delete(row.key!);
      this.settle(list);
    }
  }

  /** Settles what is still held (versions whose count the first pass saw differently). */
  finish(): void {
    for (const list of this.pending.values()) this.settle(list);
    this.pending.clear();
  }

  private settle(versions: TaskVersion[]): void {
    const { output } = this.run;
    versions.sort(byVersion);
    const seen = new Set<string>();
    let previous = 'none';
    for (const v of versions) {
      if (v.versionId !== undefined && seen.has(v.versionId)) {
        output.skip(v.origin, 'duplicate version');
        continue;
      }
      if (v.versionId !== undefined) seen.add(v.versionId);
      if (v.referralId === undefined) {
        output.skip(v.origin, 'not a referral task');
        continue;
      }
      const signature = v.event ? `${v.event.type}|${v.event.detail ?? ''}` : 'none';
      if (!v.event) output.skip(v.origin, 'not a funnel event');
      else if (signature === previous) output.skip(v.origin, 'unchanged version');
      else {
        output.emit(
          'referral_events',
          { referral_id: v.referralId, event_type: v.event.type, event_at: this.run.timeText(v.event.at, v.origin, 'event_at'), detail: v.event.detail },
          v.origin,
        );
      }
      previous = signature;
    }
  }
}

function byVersion(a: TaskVersion, b: TaskVersion): number {
  const an = numeric(a.versionId);
  const bn = numeric(b.versionId);
  if (an !== undefined && bn !== undefined && an !== bn) return an - bn;
  if (a.lastUpdatedMs !== undefined && b.lastUpdatedMs !== undefined && a.lastUpdatedMs !== b.lastUpdatedMs) return a.lastUpdatedMs - b.lastUpdatedMs;
  return compareRefs(a.ref, b.ref);
}

function numeric(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function readVersion(run: Run, row: Row<TaskFields>): TaskVersion {
  const { fields } = row;
  const focus = run.refs.resolve(fields.focus);
  const standing = requestStanding(run, focus);
  return {
    ref: row.ref,
    origin: row.origin,
    versionId: fields.versionId,
    lastUpdatedMs: fields.lastUpdatedMs,
    referralId: standing === 'not a referral' ? undefined : idOfKey(focus),
    event: fields.event,
  };
}
