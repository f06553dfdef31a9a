// This week (leaders): the weekly headline numbers as XmR charts with their
// limits, targets and published references (kpi_signals, kpi_chart,
// reference_benchmarks), the sentences of this week's signals, each feed's
// freshness (feed_freshness), the funnel of a matured cohort (funnel_cohort)
// and the referring clinicians whose volume moved (source_movers). The marts
// compute; this selects (reports/data/sql/this-week-*.sql). Aggregates only;
// no breakdown by a patient attribute here. A null stays null (the page says
// "not available").
import { runLoader } from '../../src/site/loader.ts';

await runLoader('this-week', async (select) => {
  const [params] = await select<{ as_of: string }>('this-week-as-of');
  const [week] = await select<{ week: string }>('this-week-week');
  if (!week) throw new Error('kpi_signals has no complete week before as_of: no referral was received before it');
  const [lastRun] = await select('this-week-last-run');
  return {
    serviceLines: await select('service-lines'),
    asOf: params!.as_of,
    week: week.week,
    cards: await select('this-week-cards'),
    series: await select('this-week-series'),
    changes: await select('this-week-changes'),
    references: await select('this-week-references'),
    freshness: await select('this-week-freshness'),
    funnel: await select('this-week-funnel'),
    sourceMovers: await select('this-week-source-movers'),
    lastRun: lastRun ?? null,
  };
});
