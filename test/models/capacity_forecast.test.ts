// capacity_forecast: forecast referrals with 80%/95% normal intervals, turned
// into new-patient visits with the rates of int_capacity_rates (referrals
// received 365 to 90 days before as_of, both ends included) and set against
// the capacity extract's slots.
import { afterEach, describe, expect, it } from 'vitest';
import { buildCapacityForecast } from '../../src/forecast/capacity-step.ts';
import { intervals } from '../../src/forecast/weekly.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('int_capacity_rates', 'kpi_weekly', 'stg_capacity');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('forecast intervals', () => {
  it('are the normal 80% and 95% ones for a variance of dispersion × forecast, clipped at 0', () => {
    const sd = Math.sqrt(100 * 2);
    expect(intervals(100, 2)).toEqual({ lo80: 100 - 1.2816 * sd, hi80: 100 + 1.2816 * sd, lo95: 100 - 1.96 * sd, hi95: 100 + 1.96 * sd });
    // Below one referral a week the variance is taken at one: never an interval of zero width.
    expect(intervals(0.5, 1)).toEqual({ lo80: 0, hi80: 0.5 + 1.2816, lo95: 0, hi95: 0.5 + 1.96 });
  });
});

/** as_of Monday 2026-06-01 00:00: 365 days before is 2025-06-01 00:00, 90 days before 2026-03-03 00:00. */
const AS_OF = '2026-06-01';

function fixture(): { referrals: Row[]; appointments: Row[]; capacity: Row[] } {
  const referrals: Row[] = [];
  // Two referrals in each of the eight complete weeks before as_of (Mondays 2026-04-06 … 2026-05-25).
  for (let week = 0; week < 8; week++) {
    for (const i of [0, 1]) {
      const day = new Date(Date.UTC(2026, 3, 7 + 7 * week)).toISOString().slice(0, 10);
      referrals.push({ referral_id: `W${week}-${i}`, patient_key: `W${week}-${i}`, received_at: `${day} 10:00` });
    }
  }
  // The rate window, ends included: R365 (booked, seen), R-MID (booked, no-show), R90 (never booked); just outside, R366 and R89.
  const rate = (referral_id: string, received_at: string) => ({ referral_id, patient_key: referral_id, received_at });
  referrals.push(rate('R366', '2025-05-31 23:59'), rate('R365', '2025-06-01 00:00'), rate('R-MID', '2025-12-01 09:00'), rate('R90', '2026-03-03 00:00'), rate('R89', '2026-03-03 00:01'));
  const appointment = (referral_id: string, booked_at: string, start_at: string, status: string) => ({ appointment_id: `A-${referral_id}`, referral_id, patient_key: referral_id, booked_at, start_at, status });
  const appointments = [
    appointment('R366', '2025-06-01 09:00', '2025-06-09 09:00', 'no_show'),
    appointment('R365', '2025-06-02 09:00', '2025-06-10 09:00', 'completed'),
    appointment('R-MID', '2025-12-02 09:00', '2025-12-10 09:00', 'no_show'),
    appointment('R89', '2026-03-04 09:00', '2026-03-10 09:00', 'completed'),
  ];
  const capacity = [
    { service_line: 'cardiology', week_start: '2026-06-01', new_patient_slots: 1 },
    { service_line: 'cardiology', week_start: '2026-06-08', new_patient_slots: 0 },
  ];
  return { referrals, appointments, capacity };
}

describe('capacity_forecast', () => {
  it('forecasts the recent level with its intervals, and turns it into visits with the rate window’s booking and show rates', async () => {
    w = await buildWith(fixture(), AS_OF);
    expect(await buildCapacityForecast(w)).toBe(true);
    // Booked: R365 and R-MID of three (R90 never): 2/3. First appointments attended: R365 of R365 and R-MID: 1/2.
    expect(await w.query('SELECT service_line, referrals::INTEGER AS referrals, booking_rate, show_rate FROM int_capacity_rates')).toEqual([
      { service_line: 'cardiology', referrals: 3, booking_rate: 2 / 3, show_rate: 0.5 },
    ]);
    const rows = await w.query<Record<string, number | string | boolean | null>>(
      `SELECT week_start::VARCHAR AS week_start, horizon, model, forecast_referrals, lo80, hi80, lo95, hi95, booking_rate, show_rate, expected_new_patients,
              expected_new_patients_hi80, slots, shortfall, is_short, is_at_risk, strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, run_id::INTEGER AS run_id
       FROM capacity_forecast ORDER BY horizon`,
    );
    expect(rows).toHaveLength(12);
    // Less than a year of history: the mean of the last 8 complete weeks, 2 a week. The last 12 weeks (four empty,
    // eight of 2) vary less than Poisson, so the dispersion is 1 and the 80% interval is 2 ± 1.2816 × √2.
    const sd = Math.sqrt(2);
    const expected = (2 * 2) / 3 / 2;
    expect(rows[0]).toEqual({
      week_start: '2026-06-01',
      horizon: 1,
      model: 'recent level',
      forecast_referrals: 2,
      lo80: expect.closeTo(2 - 1.2816 * sd, 10),
      hi80: expect.closeTo(2 + 1.2816 * sd, 10),
      lo95: 0,
      hi95: expect.closeTo(2 + 1.96 * sd, 10),
      booking_rate: 2 / 3,
      show_rate: 0.5,
      expected_new_patients: expect.closeTo(expected, 10),
      expected_new_patients_hi80: expect.closeTo(((2 + 1.2816 * sd) * 2) / 3 / 2, 10),
      slots: 1,
      shortfall: 0,
      is_short: false,
      is_at_risk: true,
      as_of: '2026-06-01 00:00',
      run_id: 1,
    });
    expect(rows[1]).toMatchObject({ week_start: '2026-06-08', slots: 0, shortfall: expect.closeTo(expected, 10), is_short: true, is_at_risk: true });
    expect(rows[2]).toMatchObject({ week_start: '2026-06-15', slots: null, shortfall: null, is_short: null, is_at_risk: null });
  });

  it('measures the rates on the window the config sets', async () => {
    // 366 to 89 days before as_of: R366 and R89 come in (four of five booked; R366 a no-show too).
    w = await buildWith(fixture(), AS_OF, { ...MODEL_CONFIG, forecast: { rates_from_days: 366, rates_to_days: 89 } });
    expect(await w.query('SELECT referrals::INTEGER AS referrals, booking_rate, show_rate FROM int_capacity_rates')).toEqual([{ referrals: 5, booking_rate: 4 / 5, show_rate: 2 / 4 }]);
  });
});

describe('int_capacity_rates: the first appointment', () => {
  it('is the earliest that was not cancelled and had started by as_of', async () => {
    const r = (referral_id: string) => ({ referral_id, patient_key: referral_id, received_at: '2025-12-01 09:00' });
    const appointment = (referral_id: string, n: number, start_at: string, status: string) => ({
      appointment_id: `A-${referral_id}-${n}`, referral_id, patient_key: referral_id, booked_at: '2025-12-02 09:00', start_at, status,
    });
    w = await buildWith(
      {
        // TODAY, received the day before as_of, is too recent for the rate window.
        referrals: [...['CANCELLED-FIRST', 'FUTURE-ONLY', 'NO-SHOW-FIRST', 'ATTENDED'].map(r), { ...r('TODAY'), received_at: '2026-05-31 20:00' }],
        appointments: [
          // Cancelled, then a no-show: the no-show is the first appointment.
          appointment('CANCELLED-FIRST', 1, '2025-12-08 09:00', 'cancelled'),
          appointment('CANCELLED-FIRST', 2, '2025-12-15 09:00', 'no_show'),
          // Booked, still to come at as_of: no first appointment yet (booked all the same).
          appointment('FUTURE-ONLY', 1, '2026-07-01 09:00', 'scheduled'),
          // A no-show, then attended: the first was a no-show.
          appointment('NO-SHOW-FIRST', 1, '2025-12-08 09:00', 'no_show'),
          appointment('NO-SHOW-FIRST', 2, '2025-12-22 09:00', 'completed'),
          appointment('ATTENDED', 1, '2025-12-08 09:00', 'completed'),
        ],
      },
      AS_OF,
    );
    expect(await w.query('SELECT referrals::INTEGER AS referrals, booking_rate, show_rate FROM int_capacity_rates')).toEqual([{ referrals: 4, booking_rate: 1, show_rate: 1 / 3 }]);
  });

  it('is one the patient did not miss when two start at the same time, in whatever order they are read', async () => {
    const r = (referral_id: string) => ({ referral_id, patient_key: referral_id, received_at: '2025-12-01 09:00' });
    const appointment = (referral_id: string, id: string, start_at: string, status: string) => ({
      appointment_id: id, referral_id, patient_key: referral_id, booked_at: '2025-12-02 09:00', start_at, status,
    });
    w = await buildWith(
      {
        referrals: ['TIE-AB', 'TIE-BA', 'MINUTE-APART'].map(r),
        appointments: [
          // A double booking, the no-show first in one referral's rows and last in the other's: attended, both.
          appointment('TIE-AB', 'A1', '2025-12-08 09:00', 'no_show'),
          appointment('TIE-AB', 'A2', '2025-12-08 09:00', 'completed'),
          appointment('TIE-BA', 'B1', '2025-12-08 09:00', 'completed'),
          appointment('TIE-BA', 'B2', '2025-12-08 09:00', 'no_show'),
          // The near miss: a minute earlier, the no-show is the first appointment.
          appointment('MINUTE-APART', 'C1', '2025-12-08 08:59', 'no_show'),
          appointment('MINUTE-APART', 'C2', '2025-12-08 09:00', 'completed'),
        ],
      },
      AS_OF,
    );
    expect(await w.query('SELECT referrals::INTEGER AS referrals, show_rate FROM int_capacity_rates')).toEqual([{ referrals: 3, show_rate: 2 / 3 }]);
  });
});

describe('capacity_forecast: slots', () => {
  it('is not short when the expected visits just fill the slots, and takes a show rate of 1 while no first appointment is known', async () => {
    const { referrals } = fixture();
    // The rate window's referrals, all booked for after as_of: booking rate 1, no first appointment yet (show rate null).
    const window = referrals.filter((r) => String(r.referral_id).startsWith('R') && ['R365', 'R-MID', 'R90'].includes(String(r.referral_id)));
    const appointments = window.map((r) => ({ appointment_id: `A-${r.referral_id}`, referral_id: r.referral_id!, patient_key: r.patient_key!, booked_at: '2026-03-04 09:00', start_at: '2026-06-20 09:00', status: 'scheduled' }));
    const capacity = [
      { service_line: 'cardiology', week_start: '2026-06-01', new_patient_slots: 2 },
      { service_line: 'cardiology', week_start: '2026-06-08', new_patient_slots: 1 },
    ];
    w = await buildWith({ referrals, appointments, capacity }, AS_OF);
    expect(await buildCapacityForecast(w)).toBe(true);
    expect(await w.query('SELECT booking_rate, show_rate FROM int_capacity_rates')).toEqual([{ booking_rate: 1, show_rate: null }]);
    // 2 referrals a week × 1 × 1: exactly the 2 slots of the first week, one more than the second's.
    expect(
      await w.query('SELECT horizon, show_rate, expected_new_patients AS expected, slots, shortfall, is_short FROM capacity_forecast WHERE horizon <= 2 ORDER BY horizon'),
    ).toEqual([
      { horizon: 1, show_rate: 1, expected: 2, slots: 2, shortfall: 0, is_short: false },
      { horizon: 2, show_rate: 1, expected: 2, slots: 1, shortfall: 1, is_short: true },
    ]);
  });
});
