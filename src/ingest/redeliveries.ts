// Content that arrives again under a new name is not loaded again (its rows
// are in the warehouse already), but it did arrive: a source that re-sends an
// unchanged directory or capacity file under this month's name is on time.
// Each such arrival is recorded once, in `redeliveries`, and freshness counts
// it. The same content under the same name again is a re-run, not an
// arrival, and records nothing.
import { CONTRACTS } from '../contracts/extracts.ts';
import { quotedIdentifier, quotedString } from '../warehouse/sql.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { DeliveryUnit, InboxFile } from './discover.ts';

export interface FileRedelivery {
  file: InboxFile;
  kind: string;
  /** The file already loaded with the same content as this kind. */
  sameAs: string;
}

/**
 * Records the files of a run whose content was loaded under another name,
 * each (file, kind, same content) once however many runs see it. Returns the
 * ones new to the warehouse.
 */
export async function recordFileRedeliveries(warehouse: Warehouse, arrivals: FileRedelivery[], runId: number): Promise<FileRedelivery[]> {
  const fresh = arrivals.filter((a) => a.sameAs !== a.file.file);
  if (fresh.length === 0) return [];
  const values = fresh.map((a) =>
    `(${[quotedString(a.file.file), quotedString(a.kind), quotedString(a.sameAs), quotedString(a.file.source.name), a.file.sizeBytes, a.file.modifiedMs].join(', ')})`,
  );
  const inserted = await warehouse.query<{ file: string; kind: string }>(
    `INSERT INTO redeliveries BY NAME
     SELECT file, kind, same_as, [kind] AS kinds, source, file AS delivery, size_bytes, modified_ms, now() AS arrived_at, ${runId} AS run_id
     FROM (VALUES ${values.join(',\n')}) AS a(file, kind, same_as, source, size_bytes, modified_ms)
     WHERE NOT EXISTS (SELECT 1 FROM redeliveries r WHERE r.file = a.file AND r.kind = a.kind AND r.same_as = a.same_as)
     RETURNING file, kind`,
  );
  const added = new Set(inserted.map((r) => `${r.kind}\u0000${r.file}`));
  return fresh.filter((a) => added.has(`${a.kind}\u0000${a.file.file}`));
}

/**
 * Records a delivery whose files and content match one loaded before under
 * another name (`sameAs` is its source/delivery), once. Its kinds are those
 * the delivery it repeats still holds rows of. Returns whether it was new.
 */
export async function recordDeliveryRedelivery(warehouse: Warehouse, unit: DeliveryUnit, sameAs: string, runId: number): Promise<boolean> {
  if (sameAs === `${unit.source.name}/${unit.delivery.name}`) return false;
  const [original] = await warehouse.query<{ source: string; delivery: string }>(
    `SELECT source, delivery FROM deliveries WHERE source || '/' || delivery = ${quotedString(sameAs)} LIMIT 1`,
  );
  const landed = original
    ? CONTRACTS.map(
        (c) => `SELECT ${quotedString(c.kind)} AS kind WHERE EXISTS (SELECT 1 FROM ${quotedIdentifier(c.table)} WHERE source_name = ${quotedString(original.source)} AND source_delivery = ${quotedString(original.delivery)})`,
      ).join(' UNION ALL ')
    : `SELECT NULL::VARCHAR AS kind WHERE false`;
  const inserted = await warehouse.query<{ file: string }>(
    `INSERT INTO redeliveries BY NAME
     SELECT ${quotedString(unit.label)} AS file, ${quotedString(unit.adapter.name)} AS kind, ${quotedString(sameAs)} AS same_as,
            coalesce((SELECT list(kind ORDER BY kind) FROM (${landed})), []) AS kinds,
            ${quotedString(unit.source.name)} AS source, ${quotedString(unit.delivery.name)} AS delivery, NULL AS size_bytes, NULL AS modified_ms,
            now() AS arrived_at, ${runId} AS run_id
     WHERE NOT EXISTS (SELECT 1 FROM redeliveries r WHERE r.file = ${quotedString(unit.label)} AND r.kind = ${quotedString(unit.adapter.name)} AND r.same_as = ${quotedString(sameAs)})
     RETURNING file`,
  );
  return inserted.length > 0;
}
