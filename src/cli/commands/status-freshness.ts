// Feed freshness for `refloop status`, judged now: the query of the
// feed_freshness mart itself (sql/marts/feed_freshness.sql, the one place the
// rule is written), run on the warehouse with `as_of` set to this moment and
// the thresholds of the config status was given, instead of the mart's
// stored rows, which are as of the last transform. The site reads the mart.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RefloopConfig } from '../../config/schema.ts';
import { SQL_DIR } from '../../jobs/transform.ts';
import { freshnessRows } from '../../models/config-tables.ts';
import { parseModel } from '../../models/model-file.ts';
import { quotedString } from '../../warehouse/sql.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';

export interface FeedFreshness {
  feed: string;
  state: string;
  latest_file: string | null;
  last_arrived: string | null;
  hours_since_arrival: number | null;
  record_time: string | null;
  newest_record: string | null;
  hours_since_newest_record: number | null;
  stale_since: string | null;
  stale_reason: string | null;
}

const MODEL = join(SQL_DIR, 'marts', 'feed_freshness.sql');

/**
 * The mart's query with its config inputs replaced by CTEs of the same names
 * (a CTE is found before a table): as_of now, the config's thresholds, and an
 * empty redeliveries where an older warehouse lacks the table.
 */
export async function freshnessNowSql(config: RefloopConfig, redeliveries: string): Promise<string> {
  const model = parseModel(await readFile(MODEL, 'utf8'), 'marts', MODEL);
  const zone = quotedString(config.timezone);
  const thresholds = freshnessRows(config)
    .map((f) => `(${quotedString(f.feed)}, ${f.warn_hours}::DOUBLE, ${f.error_hours}::DOUBLE, ${f.data_warn_hours}::DOUBLE, ${f.data_error_hours}::DOUBLE)`)
    .join(', ');
  const local = (column: string) => `strftime(timezone(${zone}, ${column}), '%Y-%m-%d %H:%M')`;
  return `WITH config_params AS (SELECT now() AS as_of, ${zone} AS timezone, NULL::BIGINT AS run_id),
  config_feed_freshness AS (SELECT * FROM (VALUES ${thresholds}) AS t(feed, warn_hours, error_hours, data_warn_hours, data_error_hours))
  ${redeliveries === 'redeliveries' ? '' : `, redeliveries AS (SELECT * FROM ${redeliveries})`}
SELECT feed, state, latest_arrival AS latest_file, ${local('last_arrived_at')} AS last_arrived, round(hours_since_arrival)::INTEGER AS hours_since_arrival,
       record_time, ${local('newest_record_at')} AS newest_record, round(hours_since_newest_record)::INTEGER AS hours_since_newest_record,
       ${local('stale_since')} AS stale_since, stale_reason
FROM (
${model.sql}
) AS judged
ORDER BY list_position(${`[${freshnessRows(config).map((f) => quotedString(f.feed)).join(', ')}]`}, feed)`;
}

export async function freshnessNow(warehouse: Warehouse, config: RefloopConfig, redeliveries: string): Promise<FeedFreshness[]> {
  return warehouse.query<FeedFreshness>(await freshnessNowSql(config, redeliveries));
}
