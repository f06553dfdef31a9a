// Liaisons: each liaison's panel against goals (liaison_panels), their
// referrers' tiers (referrer_tiers), the alert worklist (liaison_alerts) and
// the measured lift of a touch (liaison_lift), each a select of
// reports/data/sql/liaisons-*.sql. Clinicians and offices, never patients.
import { runLoader } from '../../src/site/loader.ts';

await runLoader('liaisons', async (select) => ({
  panels: await select('liaisons-panels'),
  tiers: await select('liaisons-tiers'),
  alerts: await select('liaisons-alerts'),
  lift: await select('liaisons-lift'),
}));
