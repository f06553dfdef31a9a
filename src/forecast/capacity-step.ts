// The forecast step of the transform: weekly referral volume per configured
// service line for the next 12 weeks, turned into expected new-patient visits
// (forecast × booking rate × show rate) and set against the capacity extract's
// slots, with the forecast's own backtest beside it. Runs after the SQL
// models, in the transform's transaction (or, alone, in one of its own).
import { type TableSpec, tableSql } from '../warehouse/schema.ts';
import { quotedString, withTransaction } from '../warehouse/sql.ts';
import { tableColumn } from '../warehouse/table-column.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { backtest, forecast, intervals } from './weekly.ts';

export const HORIZON = 12;
const BACKTEST_ORIGINS = 26;

/** Every row carries the as_of and the run that built it, like the SQL marts. */
const STAMP = [
  tableColumn('as_of', 'TIMESTAMPTZ', 'The moment the numbers are for (config_params.as_of).'),
  tableColumn('run_id', 'BIGINT', 'The run that built the row (runs.run_id).'),
];
/** The stamp's values, read from config_params where each row is inserted. */
const STAMP_SQL = '(SELECT as_of FROM config_params), (SELECT run_id FROM config_params)';

const TABLES: TableSpec[] = [
  {
    name: 'capacity_forecast',
    comment: 'Grain: one row per (service_line, week_start) for the next 12 weeks: forecast referrals with 80%/95% intervals, expected new-patient visits and slots.',
    columns: [
      tableColumn('service_line', 'VARCHAR', 'Configured service line.'),
      tableColumn('week_start', 'DATE', 'The week (its Monday, local); the first is the week of as_of.'),
      tableColumn('horizon', 'INTEGER', 'Weeks ahead (1 = the week of as_of).'),
      tableColumn('model', 'VARCHAR', "seasonal (trend and yearly seasonality, with a year of history) or 'recent level' (less history)."),
      tableColumn('forecast_referrals', 'DOUBLE', 'Expected referrals received that week.'),
      tableColumn('lo80', 'DOUBLE', 'Lower end of the 80% interval of referrals.'),
      tableColumn('hi80', 'DOUBLE', 'Upper end of the 80% interval of referrals.'),
      tableColumn('lo95', 'DOUBLE', 'Lower end of the 95% interval of referrals.'),
      tableColumn('hi95', 'DOUBLE', 'Upper end of the 95% interval of referrals.'),
      tableColumn('booking_rate', 'DOUBLE', "Share of the line's referrals that get an appointment booked (int_capacity_rates: referrals received forecast.rates_from_days to forecast.rates_to_days before as_of, by default 365 to 90)."),
      tableColumn('show_rate', 'DOUBLE', 'Share of first appointments (not cancelled, started by as_of) that were attended.'),
      tableColumn('expected_new_patients', 'DOUBLE', 'forecast_referrals × booking_rate × show_rate: new-patient visits to expect.'),
      tableColumn('expected_new_patients_hi80', 'DOUBLE', "The same at the 80% interval's upper end."),
      tableColumn('slots', 'INTEGER', 'New-patient slots in the capacity extract; null when the extract has none for that week.'),
      tableColumn('shortfall', 'DOUBLE', 'expected_new_patients − slots when positive, else 0; null without slots.'),
      tableColumn('is_short', 'BOOLEAN', 'Expected new-patient visits exceed the slots.'),
      tableColumn('is_at_risk', 'BOOLEAN', "Short at the 80% interval's upper end (a busy week would not fit)."),
      ...STAMP,
    ],
  },
  {
    name: 'forecast_backtest',
    comment: "Grain: one row per service line: the forecast's rolling-origin backtest (12 weeks ahead from each of the last 26 weeks that allow it).",
    columns: [
      tableColumn('service_line', 'VARCHAR', 'Configured service line.'),
      tableColumn('model', 'VARCHAR', 'The model used for this line.'),
      tableColumn('weeks_of_history', 'INTEGER', 'Complete weeks of history.'),
      tableColumn('origins', 'INTEGER', 'Forecast origins in the backtest.'),
      tableColumn('mae', 'DOUBLE', 'Mean absolute error of the model, referrals per week.'),
      tableColumn('seasonal_naive_mae', 'DOUBLE', 'Mean absolute error of seasonal naive (same week last year) on the same origins.'),
      tableColumn('mase', 'DOUBLE', 'Model MAE / in-sample seasonal-naive MAE: below 1 beats seasonal naive.'),
      tableColumn('seasonal_naive_mase', 'DOUBLE', 'The same scale applied to seasonal naive on the backtest.'),
      tableColumn('dispersion', 'DOUBLE', 'Mean squared error / forecast: how much wider than Poisson the intervals are.'),
      ...STAMP,
    ],
  },
];

/** The models the forecast reads; without them (a project with its own models) the step is skipped. */
const INPUTS = ['kpi_weekly', 'int_capacity_rates', 'stg_capacity', 'config_service_lines', 'config_params'];

/** The forecast tables in a transaction of their own; false when the inputs are not there. */
export function buildCapacityForecast(warehouse: Warehouse): Promise<boolean> {
  return withTransaction(warehouse, () => buildCapacityForecastInTransaction(warehouse));
}

/** The same inside a transaction the caller has open: nothing here commits. */
export async function buildCapacityForecastInTransaction(warehouse: Warehouse): Promise<boolean> {
  const present = await warehouse.query<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM (SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()) WHERE table_name IN (${INPUTS.map(quotedString).join(', ')})`,
  );
  if ((present[0]?.n ?? 0) < INPUTS.length) return false;
  const series = await warehouse.query<{ service_line: string; weeks: number[]; last_week: string }>(
    `SELECT k.service_line, list(k.value::DOUBLE ORDER BY k.week) AS weeks, max(k.week)::VARCHAR AS last_week
     FROM kpi_weekly k JOIN config_service_lines USING (service_line)
     WHERE k.metric = 'referrals' AND k.is_complete_week GROUP BY k.service_line ORDER BY k.service_line`,
  );
  const rates = await warehouse.query<{ service_line: string; booking_rate: number | null; show_rate: number | null }>(
    'SELECT service_line, booking_rate, show_rate FROM int_capacity_rates',
  );
  const slots = await warehouse.query<{ service_line: string; week_start: string; slots: number }>(
    'SELECT service_line, week_start::VARCHAR AS week_start, new_patient_slots AS slots FROM stg_capacity',
  );
  const forecastRows: string[] = [];
  const backtestRows: string[] = [];
  for (const line of series) {
    const history = line.weeks.map(Number);
    const result = forecast(history, HORIZON);
    const test = backtest(history, HORIZON, BACKTEST_ORIGINS);
    const dispersion = test?.dispersion ?? Math.max(1, variance(history.slice(-12)) / Math.max(1, mean(history.slice(-12))));
    const rate = rates.find((r) => r.service_line === line.service_line);
    const bookingRate = rate?.booking_rate ?? 0;
    const show = rate?.show_rate ?? 1;
    result.mean.forEach((value, i) => {
      const week = addDays(line.last_week, 7 * (i + 1));
      const band = intervals(value, dispersion);
      const expected = value * bookingRate * show;
      const expectedHigh = band.hi80 * bookingRate * show;
      const slot = slots.find((s) => s.service_line === line.service_line && s.week_start === week)?.slots;
      const has = slot !== undefined;
      forecastRows.push(
        `(${quotedString(line.service_line)}, DATE ${quotedString(week)}, ${i + 1}, ${quotedString(result.model)}, ${value}, ${band.lo80}, ${band.hi80}, ${band.lo95}, ${band.hi95}, ${bookingRate}, ${show}, ${expected}, ${expectedHigh}, ${has ? slot : 'NULL'}, ${has ? Math.max(0, expected - slot) : 'NULL'}, ${has ? expected > slot : 'NULL'}, ${has ? expectedHigh > slot : 'NULL'}, ${STAMP_SQL})`,
      );
    });
    backtestRows.push(
      `(${quotedString(line.service_line)}, ${quotedString(result.model)}, ${history.length}, ${test?.origins ?? 0}, ${num(test?.mae)}, ${num(test?.seasonalNaiveMae)}, ${num(test?.mase)}, ${num(test?.seasonalNaiveMase)}, ${dispersion}, ${STAMP_SQL})`,
    );
  }
  const rowsOf: Record<string, string[]> = { capacity_forecast: forecastRows, forecast_backtest: backtestRows };
  for (const table of TABLES) {
    await warehouse.run(tableSql(table, { replace: true }));
    const rows = rowsOf[table.name]!;
    if (rows.length) await warehouse.run(`INSERT INTO ${table.name} VALUES ${rows.join(', ')}`);
  }
  return true;
}

export const FORECAST_TABLES = TABLES.map((t) => t.name);

const num = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'NULL' : String(x));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1);
};

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
