// Every arrival of a source's files, for the Data health page's accounting
// by source and kind: each file loaded (a delivery's raw files named by their
// delivery), and each re-delivery of content already loaded, under a new name
// (redeliveries). Whether a feed is late or stale is judged once, in SQL, by
// the feed_freshness mart (by arrival and by its newest record); this only
// lists what arrived. A snapshot set published before re-deliveries were
// recorded has none.
import { ADAPTERS } from '../config/schema.ts';
import { emptyTableSql } from '../warehouse/schema.ts';
import type { Query } from './loader.ts';

/** A parenthesised relation: source, kind, arrival (what arrived, for people), arrived_at, is_redelivery. */
export async function arrivalsSql(query: Query): Promise<string> {
  const [row] = await query<{ n: number }>("SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE view_name = 'redeliveries'");
  const redeliveries = row?.n ? 'redeliveries' : emptyTableSql('redeliveries');
  const adapters = ADAPTERS.filter((a) => a !== 'csv').map((a) => `'${a}'`).join(', ');
  return `(
    SELECT source, kind, CASE WHEN delivery_sha256 IS NULL THEN file ELSE 'delivery ' || delivery END AS arrival, ingested_at AS arrived_at, false AS is_redelivery
    FROM ingested_files
    UNION ALL
    SELECT source, kind, CASE WHEN kind IN (${adapters}) THEN 'delivery ' ELSE '' END || file || ' (same content as ' || same_as || ')', arrived_at, true
    FROM ${redeliveries}
  )`;
}
