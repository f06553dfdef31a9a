// forecast_backtest and the weekly forecast it measures: the recent level
// without a year of history, the seasonal model with one, and the rolling-
// origin backtest's errors against seasonal naive.
import { afterEach, describe, expect, it } from 'vitest';
import { buildCapacityForecast } from '../../src/forecast/capacity-step.ts';
import { backtest, forecast } from '../../src/forecast/weekly.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';

const buildWith = buildingOnly('int_capacity_rates', 'kpi_weekly', 'stg_capacity');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

describe('the weekly forecast', () => {
  it('is the mean of the last 8 weeks with less than 60 weeks of history', () => {
    const history = [...Array(51).fill(100), 1, 2, 3, 4, 5, 6, 7, 8];
    expect(forecast(history, 3)).toEqual({ model: 'recent level', mean: [4.5, 4.5, 4.5] });
  });

  it('repeats last year’s pattern, shrunk halfway to the level, with 60 weeks or more', () => {
    // 120 weeks of 10 with one week of 20 a year before the first forecast week. Around it (± 26 weeks) the
    // mean is 10 + 10/52, so that week's factor is 1 + (20 / mean − 1) / 2 and its neighbours' 1 + (10 / mean − 1) / 2;
    // the level is the last 8 weeks with their factors divided out; no trend (the two half-years are equal).
    const history = Array(120).fill(10);
    history[120 - 52] = 20;
    const mean = 10 + 10 / 52;
    const peak = 1 + (20 / mean - 1) * 0.5;
    const other = 1 + (10 / mean - 1) * 0.5;
    const level = 10 / other;
    const result = forecast(history, 2);
    expect(result.model).toBe('seasonal');
    expect(result.mean[0]).toBeCloseTo(level * peak, 10);
    expect(result.mean[1]).toBeCloseTo(level * other, 10);
  });

  it('is the mean of the weeks there are with fewer than 8', () => {
    expect(forecast([4, 6], 2)).toEqual({ model: 'recent level', mean: [5, 5] });
  });

  it('takes seasonal naive as the same week a year before: no error on a series that repeats every 52 weeks', () => {
    const yearly = Array.from({ length: 80 }, (_, t) => 10 + (t % 52));
    expect(backtest(yearly, 4, 6)!.seasonalNaiveMae).toBe(0);
  });

  it('needs 60 weeks for the seasonal model: 60 are enough', () => {
    expect(forecast(Array(60).fill(10), 2)).toEqual({ model: 'seasonal', mean: [10, 10] });
    expect(forecast(Array(59).fill(10), 2).model).toBe('recent level');
  });

  it('applies half the change of the last 26 weeks against the same weeks a year earlier, growing with the horizon', () => {
    // 100 weeks of 10, the last 14 of them 20. Every seasonal factor is 1 (last year and its surroundings are all 10),
    // the level is 20, and the last 26 weeks sum 400 against 260 a year before: a trend of (400 / 260 − 1) / 2 a year.
    const history = [...Array(86).fill(10), ...Array(14).fill(20)];
    const trend = (400 / 260 - 1) * 0.5;
    const result = forecast(history, 12);
    expect(result.model).toBe('seasonal');
    result.mean.forEach((m, i) => expect(m).toBeCloseTo(20 * (1 + (trend * (i + 1)) / 52), 10));
  });

  it('backtests from rolling origins: no error on a flat series, seasonal naive’s error on a step', () => {
    const flat = backtest(Array(80).fill(10), 4, 6)!;
    expect(flat).toMatchObject({ origins: 6, mae: 0, seasonalNaiveMae: 0, dispersion: 1 });
    expect(backtest(Array(59).fill(10), 4, 6)).toBeNull();
    // Twelve extra referrals a week in the last 20 weeks: seasonal naive misses them all in the backtest.
    const step = [...Array(60).fill(10), ...Array(20).fill(22)];
    const result = backtest(step, 4, 6)!;
    expect(result.seasonalNaiveMae).toBe(12);
    expect(result.mae).toBeLessThan(result.seasonalNaiveMae);
    expect(result.mase).toBeCloseTo(result.mae / result.scale, 12);
    expect(result.scale).toBeCloseTo((20 * 12) / 28, 12);
  });
});

describe('forecast_backtest', () => {
  it('has one row per service line with its model and history, no backtest without 60 weeks, stamped', async () => {
    const referrals: Row[] = Array.from({ length: 10 }, (_, week) => {
      const day = new Date(Date.UTC(2026, 2, 3 + 7 * week)).toISOString().slice(0, 10);
      return { referral_id: `W${week}`, patient_key: `W${week}`, received_at: `${day} 10:00` };
    });
    w = await buildWith({ referrals }, '2026-05-18');
    await buildCapacityForecast(w);
    expect(
      await w.query('SELECT service_line, model, weeks_of_history, origins, mae, mase, dispersion, run_id::INTEGER AS run_id FROM forecast_backtest'),
    ).toEqual([{ service_line: 'cardiology', model: 'recent level', weeks_of_history: 11, origins: 0, mae: null, mase: null, dispersion: 1, run_id: 1 }]);
  });

  it('backtests from the last 26 origins that leave a full 12 weeks', async () => {
    // 100 complete weeks (Mondays 2024-06-03 … 2026-04-27), one referral each: origins 63 … 88.
    const referrals: Row[] = Array.from({ length: 100 }, (_, week) => {
      const day = new Date(Date.UTC(2024, 5, 4 + 7 * week)).toISOString().slice(0, 10);
      return { referral_id: `W${week}`, patient_key: `W${week}`, received_at: `${day} 10:00` };
    });
    w = await buildWith({ referrals }, '2026-05-04');
    await buildCapacityForecast(w);
    expect(await w.query('SELECT model, weeks_of_history, origins, mae FROM forecast_backtest')).toEqual([{ model: 'seasonal', weeks_of_history: 100, origins: 26, mae: 0 }]);
  }, 60_000);
});
