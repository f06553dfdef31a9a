// Weekly referral volume forecasts: pure functions over a weekly series.
//
// The model, when more than 60 weeks of history exist (a year, plus room for
// a centred moving average):
// - seasonal factor of a week: last year's same week divided by the mean of
//   the year centred on it (so a season-long surge is seasonal, not level,
//   and holiday weeks keep their dip), shrunk halfway toward 1 because a
//   single year's week is noisy;
// - level: the mean of the last 8 weeks with their own seasonal factors
//   divided out;
// - trend: the change of the last 26 weeks against the same weeks a year
//   earlier, applied at half strength (damped) across the horizon;
// - forecast = level × (1 + trend × h / 52) × seasonal factor.
// With less history there is no seasonality or trend: the level is the mean
// of the last 8 weeks (the "recent level" fallback).
//
// Intervals: counts vary more than Poisson; the variance is taken as φ × the
// forecast, with φ the mean of squared backtest errors over forecasts, and
// the 80%/95% intervals are the normal ones (clipped at 0).
//
// Backtest: rolling origins over the last `origins` weeks that leave a full
// horizon, each forecasting 1..horizon weeks ahead from the data before it.
// MASE divides the mean absolute error by the in-sample mean absolute error
// of the seasonal-naive forecast (same week last year); below 1 beats it.

export const SEASON = 52;
const HALF_YEAR = 26;
const LEVEL_WEEKS = 8;
const SEASONAL_SHRINK = 0.5;

export interface Forecast {
  model: 'seasonal' | 'recent level';
  mean: number[];
}

export function hasSeasonalHistory(history: number[]): boolean {
  return history.length >= SEASON + LEVEL_WEEKS;
}

/** The seasonal factor of week t from the year before (t − 52), or 1 when unknown. */
function seasonalFactor(history: number[], t: number): number {
  const last = t - SEASON;
  if (last < 0 || last >= history.length) return 1;
  let sum = 0;
  let weeks = 0;
  for (let i = Math.max(0, last - HALF_YEAR); i < Math.min(history.length, last + HALF_YEAR); i++) {
    sum += history[i]!;
    weeks++;
  }
  if (weeks === 0 || sum <= 0) return 1;
  return 1 + (history[last]! / (sum / weeks) - 1) * SEASONAL_SHRINK;
}

export function forecast(history: number[], horizon: number): Forecast {
  const n = history.length;
  const recent = history.slice(Math.max(0, n - LEVEL_WEEKS));
  if (!hasSeasonalHistory(history)) {
    const level = recent.reduce((s, x) => s + x, 0) / Math.max(1, recent.length);
    return { model: 'recent level', mean: Array.from({ length: horizon }, () => level) };
  }
  let deseasonalized = 0;
  for (let t = n - LEVEL_WEEKS; t < n; t++) deseasonalized += history[t]! / seasonalFactor(history, t);
  const level = deseasonalized / LEVEL_WEEKS;
  let thisYear = 0;
  let lastYear = 0;
  for (let t = n - 26; t < n; t++) {
    thisYear += history[t]!;
    lastYear += history[t - SEASON]!;
  }
  const trend = lastYear > 0 ? (thisYear / lastYear - 1) * 0.5 : 0;
  const mean = Array.from({ length: horizon }, (_, i) => {
    const h = i + 1;
    return Math.max(0, level * (1 + (trend * h) / SEASON) * seasonalFactor(history, n - 1 + h));
  });
  return { model: 'seasonal', mean };
}

export interface Backtest {
  origins: number;
  /** Mean absolute error of the model over all origins and horizons. */
  mae: number;
  /** The same for the seasonal-naive forecast on the same origins. */
  seasonalNaiveMae: number;
  /** In-sample mean absolute error of seasonal naive (the MASE scale). */
  scale: number;
  mase: number;
  seasonalNaiveMase: number;
  /** Overdispersion: mean of error² / forecast (≥ 1 means at least Poisson spread). */
  dispersion: number;
}

export function backtest(history: number[], horizon: number, origins: number): Backtest | null {
  const n = history.length;
  const first = Math.max(SEASON + LEVEL_WEEKS, n - horizon - origins + 1);
  let count = 0;
  let absolute = 0;
  let naiveAbsolute = 0;
  let squaredOverMean = 0;
  for (let origin = first; origin + horizon <= n; origin++) {
    const train = history.slice(0, origin);
    const { mean } = forecast(train, horizon);
    for (let h = 1; h <= horizon; h++) {
      const actual = history[origin + h - 1]!;
      const predicted = mean[h - 1]!;
      const naive = history[origin + h - 1 - SEASON] ?? predicted;
      absolute += Math.abs(actual - predicted);
      naiveAbsolute += Math.abs(actual - naive);
      squaredOverMean += (actual - predicted) ** 2 / Math.max(1, predicted);
      count++;
    }
  }
  if (count === 0) return null;
  let scaleSum = 0;
  let scaleCount = 0;
  for (let t = SEASON; t < n; t++) {
    scaleSum += Math.abs(history[t]! - history[t - SEASON]!);
    scaleCount++;
  }
  const scale = scaleCount ? scaleSum / scaleCount : NaN;
  const mae = absolute / count;
  const seasonalNaiveMae = naiveAbsolute / count;
  return {
    origins: count / horizon,
    mae,
    seasonalNaiveMae,
    scale,
    mase: mae / scale,
    seasonalNaiveMase: seasonalNaiveMae / scale,
    dispersion: Math.max(1, squaredOverMean / count),
  };
}

export interface Interval {
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

export function intervals(mean: number, dispersion: number): Interval {
  const sd = Math.sqrt(Math.max(mean, 1) * dispersion);
  return {
    lo80: Math.max(0, mean - 1.2816 * sd),
    hi80: mean + 1.2816 * sd,
    lo95: Math.max(0, mean - 1.96 * sd),
    hi95: mean + 1.96 * sd,
  };
}
