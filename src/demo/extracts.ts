// Writes journeys as the practice's systems would export them: monthly
// incremental snapshots. A row goes into the extract of the month it happened
// in, and again into a later month's extract when it changes (an appointment
// booked in March and completed in April appears in both, as booked then as
// completed; a visit reappears when its summary goes out). Nothing after the
// demo's end is exported, except appointments already booked for later.
//
// Real-world mess is planted here at a controlled rate, and each planted bad
// row is recorded (file, line, column) so tests can check refloop catches
// exactly those.
import { basename } from 'node:path';
import { isoDate, isoTimestamp, MINUTES_PER_DAY, monthOf, usTimestamp } from './calendar.ts';
import { MonthlyFiles } from './csv-writer.ts';
import type { AppointmentRecord, Journey, VisitRecord } from './journey.ts';
import type { Random } from './random.ts';

export const REFERRAL_COLUMNS = [
  'referral_id', 'received_at', 'patient_id', 'patient_name', 'patient_phone', 'patient_birth_date', 'patient_zip', 'patient_sex',
  'referring_npi', 'referring_name', 'referring_practice', 'service_line', 'referral_type', 'urgency', 'channel', 'reason_code', 'payer_type', 'documents',
] as const;
/** The scheduling system exports its own headers and US dates; the demo config maps them. */
export const APPOINTMENT_EHR_COLUMNS = {
  'Appt ID': 'appointment_id',
  'Referral #': 'referral_id',
  MRN: 'patient_id',
  Dept: 'service_line',
  'Visit Type': 'appointment_type',
  'Booked On': 'booked_at',
  'Appt Date/Time': 'start_at',
  'Appt Status': 'status',
} as const;
export const APPOINTMENT_TIMESTAMP_FORMAT = '%m/%d/%Y %H:%M';

/** Rates of planted problems, per row of the kind. */
export const MESS_RATES = {
  referral_bad_received_at: 0.002,
  referral_blank_patient_id: 0.001,
  referral_invalid_npi: 0.004,
  referral_conflicting_duplicate: 0.001,
  referral_identical_duplicate: 0.001,
  event_blank_event_at: 0.0005,
  appointment_unknown_status: 0.001,
  appointment_bad_start: 0.001,
  visit_bad_summary_sent_at: 0.002,
};
export type MessRates = Readonly<Record<keyof typeof MESS_RATES, number>>;
/** A clean demo (`--clean`) plants nothing: every rate is zero; the journeys are the same as the messy demo's. */
export const NO_MESS = Object.fromEntries(Object.keys(MESS_RATES).map((k) => [k, 0])) as MessRates;

export interface PlantedRow {
  file: string;
  line: number;
  column: string;
}

export interface MessTally {
  quarantined: PlantedRow[];
  /** Planted problems that load anyway (as null), counted by kind. */
  loaded_with_issue: Record<string, number>;
}

/** The scheduling system writes department names capitalised and codes in capitals. */
const title = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export class ExtractWriter {
  private readonly referrals: MonthlyFiles;
  private readonly events: MonthlyFiles;
  private readonly appointments: MonthlyFiles;
  private readonly visits: MonthlyFiles;
  readonly mess: MessTally = { quarantined: [], loaded_with_issue: {} };

  constructor(
    dir: string,
    private readonly endMinute: number,
    private readonly random: Random,
    private readonly rates: MessRates = MESS_RATES,
  ) {
    this.referrals = new MonthlyFiles(dir, 'referrals', REFERRAL_COLUMNS);
    this.events = new MonthlyFiles(dir, 'referral_events', ['referral_id', 'event_type', 'event_at', 'detail']);
    this.appointments = new MonthlyFiles(dir, 'appointments', Object.keys(APPOINTMENT_EHR_COLUMNS));
    this.visits = new MonthlyFiles(dir, 'visits', ['visit_id', 'appointment_id', 'patient_id', 'service_line', 'visit_at', 'summary_sent_at']);
  }

  write(journey: Journey): void {
    this.writeReferral(journey);
    for (const e of journey.events) {
      if (e.at > this.endMinute) continue;
      const file = this.events.file(monthOf(e.at));
      if (this.random.chance(this.rates.event_blank_event_at)) this.planted(file.path, file.write([e.referralId, e.type, '', e.detail]), 'event_at');
      else file.write([e.referralId, e.type, isoTimestamp(e.at), e.detail]);
    }
    for (const a of journey.appointments) this.writeAppointment(a);
    for (const v of journey.visits) this.writeVisit(v);
  }

  private writeReferral({ referral: r }: Journey): void {
    const file = this.referrals.file(monthOf(r.received));
    let npi = r.clinician?.npi ?? '';
    if (npi && this.random.chance(this.rates.referral_invalid_npi)) {
      npi = `${npi.slice(0, 9)}${(Number(npi[9]) + 1) % 10}`; // a typo in the check digit
      this.tally('referral_invalid_npi');
    }
    const cells = [
      r.referralId,
      isoTimestamp(r.received),
      r.patient.mrn,
      r.patient.name,
      r.patient.phone,
      isoDate(r.patient.birthDay),
      r.patient.zip,
      r.patient.sex,
      npi,
      r.clinician ? `Dr. ${r.clinician.name}` : '',
      r.clinician?.office.name ?? '',
      r.serviceLine,
      r.path,
      r.urgency,
      r.channel,
      r.reasonCode,
      r.payer,
      r.documents.join(';'),
    ];
    const mess = this.random.next();
    let cut = 0;
    if (mess < (cut += this.rates.referral_bad_received_at)) {
      cells[1] = this.random.pick(['2025-02-30 09:00', '13/45/2025 10:15', 'TBD']);
      this.planted(file.path, file.write(cells), 'received_at');
    } else if (mess < (cut += this.rates.referral_blank_patient_id)) {
      cells[2] = '';
      this.planted(file.path, file.write(cells), 'patient_id');
    } else if (mess < (cut += this.rates.referral_conflicting_duplicate)) {
      this.planted(file.path, file.write(cells), 'referral_id');
      const changed = [...cells];
      changed[13] = cells[13] === 'urgent' ? 'routine' : 'urgent';
      this.planted(file.path, file.write(changed), 'referral_id');
    } else if (mess < (cut += this.rates.referral_identical_duplicate)) {
      file.write(cells);
      file.write(cells);
      this.tally('referral_identical_duplicate');
    } else {
      file.write(cells);
    }
  }

  private writeAppointment(a: AppointmentRecord): void {
    if (a.booked > this.endMinute) return;
    const row = (status: string) => [a.appointmentId, a.referralId, a.mrn, title(a.serviceLine), a.type.toUpperCase(), usTimestamp(a.booked), usTimestamp(a.start), status.toUpperCase()];
    const bookedMonth = monthOf(a.booked);
    const resolved = a.start <= this.endMinute;
    const resolvedInBookedMonth = resolved && monthOf(a.start) === bookedMonth;
    this.writeAppointmentRow(bookedMonth, row(resolvedInBookedMonth ? a.status : 'booked'));
    if (resolved && !resolvedInBookedMonth) this.writeAppointmentRow(monthOf(a.start), row(a.status));
  }

  private writeAppointmentRow(month: string, cells: string[]): void {
    const file = this.appointments.file(month);
    const mess = this.random.next();
    if (mess < this.rates.appointment_unknown_status) {
      cells[7] = 'Rescheduled';
      this.planted(file.path, file.write(cells), 'status');
    } else if (mess < this.rates.appointment_unknown_status + this.rates.appointment_bad_start) {
      cells[6] = cells[6]!.replace(/^(\d\d)\/\d\d/, '$1/32');
      this.planted(file.path, file.write(cells), 'start_at');
    } else {
      file.write(cells);
    }
  }

  private writeVisit(v: VisitRecord): void {
    if (v.at > this.endMinute) return;
    const summary = v.summarySent !== undefined && v.summarySent <= this.endMinute ? v.summarySent : undefined;
    const visitMonth = monthOf(v.at);
    const summaryLater = summary !== undefined && monthOf(summary) !== visitMonth;
    const row = (sent: number | undefined) => [v.visitId, v.appointmentId, v.mrn, v.serviceLine, isoTimestamp(v.at), sent === undefined ? '' : isoTimestamp(sent)];
    this.visits.file(visitMonth).write(row(summaryLater ? undefined : summary));
    if (summaryLater) {
      const cells = row(summary);
      if (this.random.chance(this.rates.visit_bad_summary_sent_at)) {
        cells[5] = 'pending';
        this.tally('visit_bad_summary_sent_at');
      }
      this.visits.file(monthOf(summary!)).write(cells);
    }
  }

  private planted(path: string, line: number, column: string) {
    this.mess.quarantined.push({ file: basename(path), line, column });
  }

  private tally(kind: string) {
    this.mess.loaded_with_issue[kind] = (this.mess.loaded_with_issue[kind] ?? 0) + 1;
  }

  /** Closes every file; returns the visits files (to be compressed: that feed arrives as .csv.gz). */
  close(): { visits: string[] } {
    this.referrals.close();
    this.events.close();
    this.appointments.close();
    return { visits: this.visits.close() };
  }
}

export const endOfDayMinute = (day: number) => (day + 1) * MINUTES_PER_DAY - 1;
