// The tables read only to resolve others (PATIENT, CLARITY_DEP, REFERRAL_2,
// PAT_ENC_APPT, ASSOCIATED_REFERRALS), kept as small maps of the columns the
// adapter needs: never the whole table.
import type { AdapterOutput } from '../adapter.ts';
import type { DeliveryTables } from './delivery-tables.ts';
import { own, value, type Row } from './tsv.ts';

/** What REFERRAL_2 says about a referral (raw values). */
export interface ReferralDetails {
  receivedDate: string | null;
  rejectReason: string | null;
  reportSentDate: string | null;
}

/** A value chosen among several rows by the lowest LINE (file order on ties or without LINE). */
interface ByLine {
  line: number;
  value: string;
}

export class Lookups {
  /** PAT_ID → PAT_MRN_ID; undefined when the delivery has no PATIENT table with PAT_MRN_ID. */
  mrnOfPatient: Map<string, string> | undefined;
  departmentName = new Map<string, string>();
  referralDetails = new Map<string, ReferralDetails>();
  /** PAT_ENC_CSN_ID → PROV_START_TIME of its lowest LINE. */
  readonly appointmentStart = new Map<string, ByLine>();
  /** PAT_ENC_CSN_ID → ASSOCIATED_REFERRAL_ID of its lowest LINE. */
  readonly associatedReferral = new Map<string, ByLine>();

  /**
   * The patient_id of a PAT_ID: its MRN when the delivery has PATIENT with
   * PAT_MRN_ID; a PAT_ID missing there stands in for itself, counted (no value in the reason).
   */
  patientId(patId: string | null, file: string, output: AdapterOutput): string | null {
    if (patId === null || !this.mrnOfPatient) return patId;
    const mrn = this.mrnOfPatient.get(patId);
    if (mrn !== undefined) return mrn;
    output.issue(file, 'patient_id', 'PAT_ID has no PAT_MRN_ID in PATIENT: the PAT_ID is used as patient_id');
    return patId;
  }

  /** What the encounters need of PATIENT, CLARITY_DEP and REFERRAL_2, to send to the thread that reads them (structured-cloneable). */
  shared(): SharedLookups {
    return { mrnOfPatient: this.mrnOfPatient, departmentName: this.departmentName, referralDetails: this.referralDetails };
  }

  /** Takes what another thread read of PATIENT, CLARITY_DEP and REFERRAL_2 (see shared()). */
  adopt(shared: SharedLookups): void {
    this.mrnOfPatient = shared.mrnOfPatient;
    this.departmentName = shared.departmentName;
    this.referralDetails = shared.referralDetails;
  }

  startOf(csn: string | null): string | undefined {
    return csn === null ? undefined : this.appointmentStart.get(csn)?.value;
  }

  associatedReferralOf(csn: string | null): string | undefined {
    return csn === null ? undefined : this.associatedReferral.get(csn)?.value;
  }
}

export type SharedLookups = Pick<Lookups, 'mrnOfPatient' | 'departmentName' | 'referralDetails'>;

/**
 * How a lookup table is read: with its accounting (every row counted,
 * skipped as 'lookup'), or not at all (another thread reads it, or sends
 * what it read: encounter-worker.ts).
 */
export type LookupReading = 'account' | 'none';

export type LookupTable = 'PATIENT' | 'CLARITY_DEP' | 'REFERRAL_2' | 'PAT_ENC_APPT' | 'ASSOCIATED_REFERRALS';

/** The lookups only PAT_ENC needs, all read one way. */
export const ENCOUNTER_LOOKUPS = (how: LookupReading) => ({ PAT_ENC_APPT: how, ASSOCIATED_REFERRALS: how });

/** The lookups of a delivery; each table read as `reading` says (by default, with its accounting). */
export async function readLookups(tables: DeliveryTables, reading: Partial<Record<LookupTable, LookupReading>> = {}): Promise<Lookups> {
  const lookups = new Lookups();
  const table: DeliveryTables['readLookup'] = (name, reader) => {
    const how = reading[name as LookupTable] ?? 'account';
    return how === 'account' ? tables.readLookup(name, reader) : Promise.resolve();
  };

  await table('PATIENT', (header) => {
    const patId = header.index('PAT_ID');
    const mrn = header.index('PAT_MRN_ID');
    if (mrn < 0) return () => {};
    const map = (lookups.mrnOfPatient ??= new Map());
    return (fields) => {
      const id = value(fields, patId);
      const m = value(fields, mrn);
      if (id !== null && m !== null && !map.has(id)) map.set(own(id), own(m));
    };
  });

  await table('CLARITY_DEP', (header) => {
    const id = header.index('DEPARTMENT_ID');
    const name = header.index('DEPARTMENT_NAME');
    return (fields) => {
      const d = value(fields, id);
      const n = value(fields, name);
      if (d !== null && n !== null && !lookups.departmentName.has(d)) lookups.departmentName.set(own(d), own(n));
    };
  });

  await table('REFERRAL_2', (header) => {
    const id = header.index('REFERRAL_ID');
    const received = header.index('RFL_RECEIVED_DATE');
    const reject = header.index('REJECT_REASON_C_NAME');
    const sent = header.index('RPT_SENT_DATE');
    return (fields) => {
      const r = value(fields, id);
      if (r === null) return;
      const details = { receivedDate: ownOrNull(value(fields, received)), rejectReason: ownOrNull(value(fields, reject)), reportSentDate: ownOrNull(value(fields, sent)) };
      if (details.receivedDate !== null || details.rejectReason !== null || details.reportSentDate !== null) {
        lookups.referralDetails.set(own(r), details);
      }
    };
  });

  await table('PAT_ENC_APPT', (header) =>
    lowestLine(lookups.appointmentStart, header.index('PAT_ENC_CSN_ID'), header.index('LINE'), header.index('PROV_START_TIME')),
  );

  await table('ASSOCIATED_REFERRALS', (header) =>
    lowestLine(lookups.associatedReferral, header.index('PAT_ENC_CSN_ID'), header.index('LINE'), header.index('ASSOCIATED_REFERRAL_ID')),
  );

  return lookups;
}

const ownOrNull = (text: string | null) => (text === null ? null : own(text));

/** Keeps, per key, the value of the row with the lowest LINE (the first such row on ties, or when LINE is absent). */
function lowestLine(map: Map<string, ByLine>, keyAt: number, lineAt: number, valueAt: number) {
  return (fields: Row) => {
    const key = value(fields, keyAt);
    const v = value(fields, valueAt);
    if (key === null || v === null) return;
    const lineText = value(fields, lineAt);
    const line = lineText === null ? Number.NaN : Number(lineText);
    const rank = Number.isFinite(line) ? line : Number.POSITIVE_INFINITY;
    const current = map.get(key);
    if (!current || rank < current.line) map.set(own(key), { line: rank, value: own(v) });
  };
}
