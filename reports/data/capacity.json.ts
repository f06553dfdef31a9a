// Capacity: the 12-week forecast per service line against slots, the
// backtest, recent history (capacity_history), and time-to-event summaries
// by cohort, each a select of reports/data/sql/capacity-*.sql.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('capacity', async (select) => ({
  serviceLines: await select('service-lines'),
  forecast: await select('capacity-forecast'),
  history: await select('capacity-history'),
  backtest: await select('capacity-backtest'),
  timeToEvent: await select('capacity-time-to-event'),
}));
