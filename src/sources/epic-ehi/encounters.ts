// PAT_ENC into appointments, visits and contact events. Read twice: a first
// pass finds each referral's first completed visit (the only one that gets
// REFERRAL_2.RPT_SENT_DATE as its summary_sent_at, so one summary never
// closes the loop twice), the second emits.
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

/** First pass: each referral's first completed visit. */
async function findFirstVisits(run: EpicRun): Promise<Map<string, VisitPlace>> {
  const first = new Map<string, VisitPlace>();
  await run.tables.prepass('PAT_ENC', (header, file) => {
    const enc = encounterReader(run, header);
    return (fields: Row, origin: Origin) => {
      if (enc.statusOf(fields) !== 'completed') return;
      const csn = enc.csn(fields);
      const referralId = enc.referralOf(fields, csn);
      if (referralId === null) return;
      const at = enc.startOf(csn, fields);
      if (at === null || parseEpicTime(at) === undefined) return;
      const current = first.get(referralId);
      if (!current || isEarlier(at, current.at, run.timezone)) first.set(own(referralId), { at, file: file.name, line: origin.line });
    };
  });
  return first;
}

/**
 * Emits, per PAT_ENC row: a contact_made event for an outgoing call with a
 * referral; an appointment for a row with an appointment status; a visit
 * too when that status is completed. A row that emits nothing is skipped:
 * 'no referral' (an outgoing call that names no referral) or 'not an appointment'.
 */
export async function readEncounters(run: EpicRun): Promise<void> {
  if (!run.tables.has('PAT_ENC')) return;
  const firstVisits = await findFirstVisits(run);
  const { output, lookups } = run;

  await run.tables.read('PAT_ENC', (header, file) => {
    const enc = encounterReader(run, header);
    const summaryOf = (referralId: string | null, line: number) => {
      if (referralId === null) return null;
      const first = firstVisits.get(referralId);
      if (!first || first.file !== file.name || first.line !== line) return null;
      const sent = lookups.referralDetails.get(referralId)?.reportSentDate ?? null;
      return sent === null ? null : canonicalTime(sent, 'RPT_SENT_DATE');
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
      output.emit(
        'visits',
        {
          visit_id: csn,
          referral_id: referralId,
          appointment_id: csn,
          patient_id: patientId,
          service_line: serviceLine,
          visit_at: startAt,
          summary_sent_at: summaryOf(referralId, origin.line),
        },
        origin,
      );
    };
  });
}
