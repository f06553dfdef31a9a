// REFERRAL_HIST into referral events (and each referral's receipt time), then
// REFERRAL into referrals.
import type { Origin } from '../adapter.ts';
import type { ProviderDirectory } from './providers.ts';
import type { EpicRun } from './run.ts';
import { quoted } from './run.ts';
import { serviceLineFrom } from './service-line.ts';
import { canonicalTime, isEarlier, parsedTime } from './times.ts';
import { own, value, type Header, type Row } from './tsv.ts';

/** The receipt time found in REFERRAL_HIST: canonical text, or the raw text when no Create row's time parses. */
interface Receipt {
  at: string;
  parsed: boolean;
}

/** A time from the first present of several columns (each read as its own column's zone). */
function timeReader(header: Header, columns: readonly string[]) {
  const at = columns.map((name) => ({ name, index: header.index(name) })).filter((c) => c.index >= 0);
  return (fields: Row): { text: string; parsed: boolean } | null => {
    for (const column of at) {
      const raw = value(fields, column.index);
      if (raw === null) continue;
      const text = parsedTime(raw, column.name);
      return text === undefined ? { text: raw, parsed: false } : { text, parsed: true };
    }
    return null;
  };
}

const HIST_TIME = ['CHANGE_LOCAL_DTTM', 'CHANGE_DATETIME', 'CHANGE_DATE'];

/**
 * Emits a referral event per funnel row of REFERRAL_HIST; other rows are
 * skipped ('not a funnel event'; a `received` row, whose time becomes the
 * referral's received_at, as 'lookup'). Returns the receipt times.
 */
export async function readReferralHistory(run: EpicRun): Promise<Map<string, Receipt>> {
  const { maps, output, lookups } = run;
  const receipts = new Map<string, Receipt>();
  const offerReceipt = (referralId: string, text: string, parsed: boolean) => {
    const current = receipts.get(referralId);
    if (!current || (parsed && (!current.parsed || isEarlier(text, current.at, run.timezone)))) {
      receipts.set(own(referralId), { at: parsed ? text : own(text), parsed });
    }
  };
  const declineDetail = (referralId: string | null): string | null => {
    const reason = referralId === null ? null : (lookups.referralDetails.get(referralId)?.rejectReason ?? null);
    return reason === null ? null : (maps.declineReason(reason) ?? 'other');
  };

  await run.tables.read('REFERRAL_HIST', (header) => {
    const referral = header.index('REFERRAL_ID');
    const changeType = header.index('CHANGE_TYPE_C_NAME');
    const newStatus = header.index('NEW_RFL_STATUS_C_NAME');
    const pendReason = header.index('NEW_PEND_RSN_C_NAME');
    const timeOf = timeReader(header, HIST_TIME);
    return (fields: Row, origin: Origin) => {
      const action = maps.changeType(value(fields, changeType));
      if (action === undefined) return output.skip(origin, 'not a funnel event');
      const referralId = value(fields, referral);
      if (action === 'received') {
        const at = timeOf(fields);
        if (referralId !== null && at !== null) offerReceipt(referralId, at.text, at.parsed);
        return output.skip(origin, 'lookup');
      }
      const eventType =
        action === 'status' ? maps.referralStatus(value(fields, newStatus)) : action === 'pend' ? maps.pendReason(value(fields, pendReason)) : action;
      if (eventType === undefined) return output.skip(origin, 'not a funnel event');
      output.emit(
        'referral_events',
        {
          referral_id: referralId,
          event_type: eventType,
          event_at: timeOf(fields)?.text ?? null,
          detail: eventType === 'declined' ? declineDetail(referralId) : null,
        },
        origin,
      );
    };
  });
  return receipts;
}

/** Emits one referral per REFERRAL row; returns the referring provider ids they name. */
export async function readReferrals(run: EpicRun, providers: ProviderDirectory, receipts: ReadonlyMap<string, Receipt>): Promise<Set<string>> {
  const { maps, output, lookups } = run;
  const named = new Set<string>();

  await run.tables.read('REFERRAL', (header, file) => {
    const c = (name: string) => header.index(name);
    const [referral, patient, entryDate, referrer, referrerName] = [
      c('REFERRAL_ID'),
      c('PAT_ID'),
      c('ENTRY_DATE'),
      c('REFERRING_PROV_ID'),
      c('REFERRING_PROV_ID_REFERRING_PROV_NAM'),
    ];
    const [referredSpecialty, providerSpecialty, department, priority, type] = [
      c('REFD_TO_SPEC_C_NAME'),
      c('PROV_SPEC_C_NAME'),
      c('REFD_TO_DEPT_ID'),
      c('PRIORITY_C_NAME'),
      c('RFL_TYPE_C_NAME'),
    ];

    const urgencyOf = (fields: Row) => {
      const written = value(fields, priority);
      if (written === null) return null;
      const urgency = maps.urgency(written);
      if (urgency !== undefined) return urgency;
      output.issue(file.name, 'urgency', `PRIORITY_C_NAME ${quoted(written)} is not in the urgency map: routine`);
      return 'routine';
    };
    const typeOf = (fields: Row) => {
      const written = value(fields, type);
      if (written === null) return null;
      const referralType = maps.referralType(written);
      if (referralType !== undefined) return referralType;
      output.issue(file.name, 'referral_type', `RFL_TYPE_C_NAME ${quoted(written)} is not in the referral_type map: consult`);
      return 'consult';
    };
    /** The first Create Referral row's time, else REFERRAL_2.RFL_RECEIVED_DATE, else ENTRY_DATE. */
    const receivedAt = (referralId: string | null, fields: Row) => {
      const receipt = referralId === null ? undefined : receipts.get(referralId);
      if (receipt) return receipt.at;
      const received = referralId === null ? null : (lookups.referralDetails.get(referralId)?.receivedDate ?? null);
      if (received !== null) return canonicalTime(received, 'RFL_RECEIVED_DATE');
      const entry = value(fields, entryDate);
      return entry === null ? null : canonicalTime(entry, 'ENTRY_DATE');
    };

    return (fields: Row, origin: Origin) => {
      const referralId = value(fields, referral);
      const referringId = value(fields, referrer);
      if (referringId !== null && !named.has(referringId)) named.add(own(referringId));
      const departmentId = value(fields, department);
      output.emit(
        'referrals',
        {
          referral_id: referralId,
          received_at: receivedAt(referralId, fields),
          patient_id: lookups.patientId(value(fields, patient), file.name, output),
          referring_id: referringId,
          referring_name: value(fields, referrerName) ?? providers.nameOf(referringId),
          referring_npi: providers.npiOf(referringId),
          service_line: serviceLineFrom(
            [
              value(fields, referredSpecialty),
              value(fields, providerSpecialty),
              departmentId === null ? null : (lookups.departmentName.get(departmentId) ?? null),
              departmentId,
            ],
            run.serviceLineOf,
          ),
          urgency: urgencyOf(fields),
          referral_type: typeOf(fields),
        },
        origin,
      );
    };
  });
  return named;
}
