// Data health: each feed's freshness as the feed_freshness mart judges it
// (feed_health: by its latest arrival and by its newest record, which feed,
// why, since when), the row accounting per source and feed
// (feed_accounting), rows skipped by rule (skipped_rows_by_rule),
// data-quality issues (data_quality, and per kind and feed:
// data_quality_by_feed), and the runs and checks as recorded
// once the run finished (runs, check_results). The marts compute; this
// selects (reports/data/sql/health-*.sql).
import { runLoader } from '../../src/site/loader.ts';

await runLoader('health', async (select) => ({
  freshness: await select('health-freshness'),
  runs: await select('health-runs'),
  feeds: await select('health-feeds'),
  skipped: await select('health-skipped'),
  issues: await select('health-issues'),
  issueTotals: await select('health-issue-totals'),
  checks: await select('health-checks'),
}));
