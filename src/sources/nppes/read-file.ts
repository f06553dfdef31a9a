// Reads one NPPES data file: two passes over its bytes at once, one in Node
// and one in DuckDB, reconciled at the end.
//
// - Node counts the file's records and where each starts (the ingest's record
//   scanner), independently of DuckDB, whose reader can lose records after a
//   broken quote without a word.
// - DuckDB reads, filters and counts (filter-sql.ts); only the kept records
//   come back to Node.
// Both run together (the scan on Node's thread, the read on DuckDB's), so the
// file costs the longer of the two rather than their sum. If the scan finds
// broken quoting, DuckDB's answer is dropped and it reads a repaired copy
// instead (quoting.ts). The reader's count plus its rejects must equal the
// scan's count, or the file is refused.
import { scanFile, type ScanResult } from '../../ingest/record-scanner.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import type { AdapterOutput, DeliveryFile } from '../adapter.ts';
import { type NppesHeader, NppesHeaderError, readHeaderBytes, resolveHeader } from './columns.ts';
import { dropRejectsSql, filterSql, type KeptRecord, type OutcomeRow, rejectsSql } from './filter-sql.ts';
import { PASS_SETTINGS, withSettings } from './duckdb-settings.ts';
import { mapProvider } from './provider-row.ts';
import { needsRepair, repairQuoting } from './quoting.ts';
import { type ReaderReject, rejectedRecords } from './rejects.ts';

export interface NppesReadOptions {
  warehouse: Warehouse;
  zip3: readonly string[];
  hasReferralHistory: boolean;
  output: AdapterOutput;
}

/** A file the adapter cannot read at all; the message names the file. */
export class NppesFileError extends Error {}

interface PassResult {
  outcomes: OutcomeRow[];
  rejects: ReaderReject[];
}

export async function readNppesFile(file: DeliveryFile, options: NppesReadOptions): Promise<void> {
  const fail = (reason: string) => new NppesFileError(`${file.name}: ${reason}`);
  const headerBytes = await readHeaderBytes(file.path);
  let header: NppesHeader;
  try {
    header = resolveHeader(headerBytes);
  } catch (error) {
    if (error instanceof NppesHeaderError) throw fail(error.message);
    throw error;
  }

  // The optimistic read, settled either way: it is awaited before anything
  // else runs on the connection (one query at a time on a connection).
  const reading = readPass(options.warehouse, file.path, header, options).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  let scan: ScanResult;
  try {
    scan = await scanFile(file.path, progressReporter(file, options.output));
  } finally {
    await reading;
  }
  const first = await reading;
  if (!scan.header.equals(headerBytes)) throw fail('its header changed while it was read');
  if (scan.mixedLineEnds) {
    const { line, first: style, then } = scan.mixedLineEnds;
    throw fail(`line ${line} ends with ${then} but earlier lines end with ${style}; the file must use one line end throughout`);
  }

  if (!needsRepair(scan)) {
    if ('error' in first) throw fail(`DuckDB could not read it: ${first.error instanceof Error ? first.error.message : String(first.error)}`);
    account(file, header, first.result, scan, [], options.output);
    return;
  }
  options.output.progress(`repairing the quoting of ${file.name}`);
  let repaired: Awaited<ReturnType<typeof repairQuoting>>;
  try {
    repaired = await repairQuoting(file.path, scan);
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  try {
    const result = await readPass(options.warehouse, repaired.path, header, options);
    account(file, header, result, repaired.lines, repaired.quarantined, options.output);
  } finally {
    await repaired.cleanup();
  }
}

async function readPass(warehouse: Warehouse, readPath: string, header: NppesHeader, options: NppesReadOptions): Promise<PassResult> {
  await warehouse.run(dropRejectsSql);
  try {
    const outcomes = await withSettings(warehouse, PASS_SETTINGS, () =>
      warehouse.query<OutcomeRow>(filterSql({ readPath, header, zip3: options.zip3, hasReferralHistory: options.hasReferralHistory })),
    );
    const rejects = await warehouse.query<{ line: number; column_idx: number | null; error_type: string }>(rejectsSql);
    return {
      outcomes,
      rejects: rejects.map((r) => ({ line: Number(r.line), columnIndex: r.column_idx === null ? null : Number(r.column_idx), errorType: String(r.error_type) })),
    };
  } finally {
    await warehouse.run(dropRejectsSql);
  }
}

/** Reconciles DuckDB's counts with the scan's, then reports every record to the output. */
function account(
  file: DeliveryFile,
  header: NppesHeader,
  pass: PassResult,
  lines: ScanResult,
  repairQuarantined: { line: number; reason: string }[],
  output: AdapterOutput,
): void {
  const rejected = rejectedRecords(pass.rejects, lines, header.names);
  const accepted = pass.outcomes.reduce((sum, o) => sum + Number(o.records), 0);
  if (accepted + rejected.length !== lines.records) {
    throw new NppesFileError(
      `${file.name}: the CSV reader accounted for ${accepted + rejected.length} records but the file holds ${lines.records}; nothing of it was loaded`,
    );
  }
  output.read(file.name, lines.records + repairQuarantined.length);

  const kept = (pass.outcomes.find((o) => o.skip_rule === null)?.kept ?? []).slice().sort((a, b) => a.position - b.position);
  const keptLines = physicalLinesOf(
    kept.map((k) => Number(k.position)),
    rejected.map((r) => r.record).sort((a, b) => a - b),
    lines.physicalLines,
  );
  kept.forEach((record: KeptRecord, i) => {
    const { row, foreignPostalCode } = mapProvider(record);
    if (foreignPostalCode) output.issue(file.name, 'zip', 'the practice location postal code is not a US ZIP code');
    output.emit('providers', row, { file: file.name, line: keptLines[i]! });
  });

  for (const outcome of pass.outcomes) {
    if (outcome.skip_rule !== null && Number(outcome.records) > 0) output.skipMany(file.name, outcome.skip_rule, Number(outcome.records));
  }
  const quarantined = [
    ...rejected.map((r) => ({ line: r.line, reason: r.reason, column: r.column })),
    ...repairQuarantined.map((r) => ({ ...r, column: undefined })),
  ].sort((a, b) => a.line - b.line);
  for (const q of quarantined) output.quarantine({ file: file.name, line: q.line }, q.reason, q.column);
}

/**
 * The physical line of each accepted record, given its 1-based position among
 * the records the reader accepted: the k-th accepted record is the k-th data
 * record the reader did not reject. Both lists ascend.
 */
export function physicalLinesOf(positions: readonly number[], rejectedRecords: readonly number[], physicalLines: Int32Array): number[] {
  let next = 0;
  let shift = 0;
  return positions.map((position) => {
    let record = position + shift;
    while (next < rejectedRecords.length && rejectedRecords[next]! <= record) {
      next++;
      shift++;
      record++;
    }
    return physicalLines[record]!;
  });
}

/** Progress of the scan, reported at most once per percent. */
function progressReporter(file: DeliveryFile, output: AdapterOutput): (bytes: number) => void {
  let read = 0;
  let reported = -1;
  const stage = `reading ${file.name}`;
  return (bytes) => {
    read += bytes;
    const percent = Math.floor((100 * read) / Math.max(1, file.sizeBytes));
    if (percent > reported) {
      reported = percent;
      output.progress(stage, Math.min(1, percent / 100));
    }
  };
}
