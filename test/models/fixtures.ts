// Small builders for model fixtures: valid NPIs, series of referrals from one
// clinician, and local wall-clock times counted back from an as_of.
import type { Row } from '../helpers/models.ts';

/** A valid NPI (Luhn check digit over 80840 + the first nine digits), different for each n. */
export function npi(n: number): string {
  const base = String(100_000_000 + n);
  let sum = 0;
  let double = true;
  for (const digit of `80840${base}`.split('').reverse()) {
    let d = Number(digit);
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    double = !double;
  }
  return `${base}${(10 - (sum % 10)) % 10}`;
}

const MS_DAY = 86_400_000;
const parse = (local: string) => Date.parse(`${local.replace(' ', 'T')}:00Z`);
const format = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Local wall-clock text `days` (may be fractional) before or after `local` (YYYY-MM-DD HH:MM). */
export const shift = (local: string, days: number) => format(parse(local) + days * MS_DAY);

/**
 * `count` referrals from one clinician (by NPI), the first at `first` (local
 * wall-clock) and then every `gapDays`; each its own patient. `tag` keeps ids
 * apart when one clinician has several series.
 */
export function every(source: string, first: string, count: number, gapDays: number, extra: Row = {}, tag = ''): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${source}${tag}-${i}`;
    return { referral_id: id, patient_key: id, referring_npi: source, received_at: shift(first, i * gapDays), ...extra };
  });
}

/** A visit `days` after each referral, linked by referral_id. */
export const visitsFor = (referrals: Row[], days = 10): Row[] =>
  referrals.map((r) => ({ visit_id: `V-${r.referral_id}`, referral_id: r.referral_id!, patient_key: r.patient_key!, visit_at: shift(String(r.received_at), days) }));
