// PAT_ENC into appointments, visits and contact events, in one pass. A
// referral's first completed visit is the only one that gets
// REFERRAL_2.RPT_SENT_DATE as its summary_sent_at (so one summary never
// closes the loop twice), and it may come after the referral's other visits
// in the table: so the visits are held (a few values each) and emitted once
// every row has been read, in the order they came.
import type { CanonicalRow, Origin } from '../adapter.ts';
import type { EpicRun } from './run.ts';
import { serviceLineFrom } from './service-line.ts';
import { canonicalTime, formatWallClock, isEarlier, parseEpicTime, parsedTime, parseTimeOfDay } from './times.ts';
import { own, value, type Header, type Row } from './tsv.ts';

const YES = new Set(['y', 'yes', '1', 'true']);

/** Where a completed visit is: the first visit of a referral is the one with the earliest visit_at (file order on ties). */
interface VisitPlace {
  at: string;
  file: string;
  line: number;
}

/** Column positions of PAT_ENC and what each row means. */
function encounterReader(run: EpicRun, header: Header) {
  const { lookups, maps } = run;
  const c = (name: string) => header.index(name);
  const [csnAt, patientAt, contactDateAt, departmentAt, statusAt, referralAt, outgoingAt, madeAt, madeDateAt] = [
    c('PAT_ENC_CSN_ID'),
    c('PAT_ID'),
    c('CONTACT_DATE'),
    c('DEPARTMENT_ID'),
    c('APPT_STATUS_C_NAME'),
    c('REFERRAL_ID'),
    c('OUTGOING_CALL_YN'),
    c('APPT_MADE_DTTM'),
    c('APPT_MADE_DATE'),
  ];

  /**
   * PAT_ENC_APPT.PROV_START_TIME of the CSN (a time of day alone is put on
   * CONTACT_DATE), else CONTACT_DATE (a date alone is local midnight).
   */
  const startOf = (csn: string | null, fields: Row): string | null => {
    const contactDate = value(fields, contactDateAt);
    const start = lookups.startOf(csn);
    if (start !== undefined) {
      const full = parsedTime(start, 'PROV_START_TIME');
      if (full !== undefined) return full;
      const clock = parseTimeOfDay(start);
      const day = contactDate === null ? undefined : parseEpicTime(contactDate);
      if (clock && day) return formatWallClock({ ...day, hour: clock.hour, minute: clock.minute, second: clock.second }, day.utc);
      return start;
    }
    return contactDate === null ? null : canonicalTime(contactDate, 'CONTACT_DATE');
  };

  return {
    csn: (fields: Row) => value(fields, csnAt),
    /** PAT_ENC.REFERRAL_ID, else the ASSOCIATED_REFERRALS referral of the CSN. */
    referralOf: (fields: Row, csn: string | null) => value(fields, referralAt) ?? lookups.associatedReferralOf(csn) ?? null,
    /** The mapped status; an unmapped one as written (the canonical validation quarantines it, naming it); null when none. */
    statusOf: (fields: Row) => {
      const written = value(fields, statusAt);
      return written === null ? null : (maps.appointmentStatus(written) ?? written);
    },
    isOutgoingCall: (fields: Row) => YES.has(value(fields, outgoingAt)?.toLowerCase() ?? ''),
    startOf,
    patientOf: (fields: Row) => value(fields, patientAt),
    bookedAt: (fields: Row) => {
      const made = value(fields, madeAt);
      if (made !== null) return canonicalTime(made, 'APPT_MADE_DTTM');
      const madeDate = value(fields, madeDateAt);
      return madeDate === null ? null : canonicalTime(madeDate, 'APPT_MADE_DATE');
    },
    /** The department's name through the aliases, else its id through them, else the name (or id) as written. */
    serviceLineOf: (fields: Row) => {
      const department = value(fields, departmentAt);
      if (department === null) return null;
      return serviceLineFrom([lookups.departmentName.get(department) ?? null, department], run.serviceLineOf);
    },
  };
}

/** A completed visit, held until the referral's first visit is known. */
interface HeldVisit {
  csn: string | null;
  referralId: string | null;
  patientId: string | null;
  serviceLine: string | null;
  startAt: string | null;
  origin: Origin;
}

/**
 * Emits, per PAT_ENC row: a contact_made event for an outgoing call with a
 * referral; an appointment for a row with an appointment status; a visit
 * too when that status is completed. A row that emits nothing is skipped:
 * 'no referral' (an outgoing call that names no referral) or 'not an appointment'.
 */
export async function readEncounters(run: EpicRun): Promise<void> {
  if (!run.tables.has('PAT_ENC')) return;
  const { output, lookups } = run;
  const firstVisits = new Map<string, VisitPlace>();
  const visits: HeldVisit[] = [];
  const keep = (text: string | null) => (text === null ? null : own(text));

  await run.tables.read('PAT_ENC', (header, file) => {
    const enc = encounterReader(run, header);
    /** The referral's first visit is the completed one with the earliest start (the first of them in the table on ties). */
    const offerFirstVisit = (referralId: string | null, startAt: string | null, line: number) => {
      if (referralId === null || startAt === null || parseEpicTime(startAt) === undefined) return;
      const current = firstVisits.get(referralId);
      if (!current || isEarlier(startAt, current.at, run.timezone)) firstVisits.set(own(referralId), { at: own(startAt), file: file.name, line });
    };

    return (fields: Row, origin: Origin) => {
      const csn = enc.csn(fields);
      const referralId = enc.referralOf(fields, csn);
      const status = enc.statusOf(fields);
      const outgoing = enc.isOutgoingCall(fields);
      if (status === null && !(outgoing && referralId !== null)) {
        return output.skip(origin, outgoing ? 'no referral' : 'not an appointment');
      }
      const startAt = enc.startOf(csn, fields);
      if (outgoing && referralId !== null) {
        output.emit('referral_events', { referral_id: referralId, event_type: 'contact_made', event_at: startAt }, origin);
      }
      if (status === null) return;
      const patientId = lookups.patientId(enc.patientOf(fields), file.name, output);
      const serviceLine = enc.serviceLineOf(fields);
      const appointment: CanonicalRow = {
        appointment_id: csn,
        referral_id: referralId,
        patient_id: patientId,
        service_line: serviceLine,
        booked_at: enc.bookedAt(fields),
        start_at: startAt,
        status,
      };
      output.emit('appointments', appointment, origin);
      if (status !== 'completed') return;
      offerFirstVisit(referralId, startAt, origin.line);
      visits.push({ csn: keep(csn), referralId: keep(referralId), patientId: keep(patientId), serviceLine: keep(serviceLine), startAt: keep(startAt), origin });
    };
  });

  const summaryOf = (visit: HeldVisit) => {
    if (visit.referralId === null) return null;
    const first = firstVisits.get(visit.referralId);
    if (!first || first.file !== visit.origin.file || first.line !== visit.origin.line) return null;
    const sent = lookups.referralDetails.get(visit.referralId)?.reportSentDate ?? null;
    return sent === null ? null : canonicalTime(sent, 'RPT_SENT_DATE');
  };
  for (const visit of visits) {
    output.emit(
      'visits',
      {
        visit_id: visit.csn,
        referral_id: visit.referralId,
        appointment_id: visit.csn,
        patient_id: visit.patientId,
        service_line: visit.serviceLine,
        visit_at: visit.startAt,
        summary_sent_at: summaryOf(visit),
      },
      visit.origin,
    );
  }
}
