// The shape of a metric's one declaration (src/metrics/registry.ts).

export type Unit = 'count' | 'share 0–1' | 'hours' | 'days' | 'referrals a week' | 'visits a year' | 'index 0–10,000' | 'ratio' | 'flag' | 'label';

/** Where a page (or the digest) reads the metric: a loader's select of reports/data/sql/, or a module of src/. */
export interface Shown {
  /** reports/<page>.md, or 'digest'. */
  page: string;
  /** The select the page's loader runs (reports/data/sql/<select>.sql), or for the digest the module that reads it. */
  select: string;
  /** The mart and column the select reads the number from (often a mart built on the metric's own column). */
  reads: `${string}.${string}`;
}

export interface Metric {
  /** The one name of the metric, as analysts say it. */
  name: string;
  /** What it holds, in plain words. For a column metric it is also the column's comment in the warehouse. */
  definition: string;
  /** The mart that computes it; other marts and pages read it from there. */
  mart: string;
  column: string;
  /** For a long mart (one row per metric): the rows where this column holds `value`. */
  row?: { column: string; value: string };
  unit: Unit;
  /** The test that fails when the rule breaks: file under test/, and the name of its `it`. */
  test: { file: string; name: string };
  shown: Shown[];
  /** Why it differs from a metric a reader might take for the same thing. */
  differs?: string;
}
