// document_gaps: incomplete packets by dimension, each rate over its own
// referrals, sources keyed by source (not by channel), and which source rows
// the dashboards list (document_gaps.min_source_referrals).
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, MODEL_CONFIG, type Row } from '../helpers/models.ts';
import { every, npi } from './fixtures.ts';

const buildWith = buildingOnly('document_gaps');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const S1 = npi(101);
const S2 = npi(102);
const INCOMPLETE = { documents: ['clinical_notes'] };

/**
 * In the year before 2026-06-01: S1 sends 20 in-scope referrals (10 by fax, 3 of them incomplete; 10 by portal,
 * 2 incomplete), S2 19 complete ones by fax, and 25 come without a known source by portal (2 incomplete). The
 * first incomplete fax of S1 gets its insurance card 48 hours later. Out of scope, and before the window: not counted.
 */
function fixture(): { referrals: Row[]; referral_events: Row[] } {
  const referrals = [
    ...every(S1, '2026-01-05 09:00', 10, 1, { channel: 'fax' }, 'f').map((r, i) => (i < 3 ? { ...r, ...INCOMPLETE } : r)),
    ...every(S1, '2026-02-05 09:00', 10, 1, { channel: 'portal' }, 'p').map((r, i) => (i < 2 ? { ...r, ...INCOMPLETE } : r)),
    ...every(S2, '2026-01-05 09:00', 19, 1, { channel: 'fax' }),
    ...every('', '2026-03-02 09:00', 25, 1, { channel: 'portal', referring_npi: null }, 'unknown').map((r, i) => (i < 2 ? { ...r, ...INCOMPLETE } : r)),
    { referral_id: 'OUT', patient_key: 'OUT', referring_npi: S1, received_at: '2026-01-05 09:00', channel: 'fax', service_line: 'dermatology', ...INCOMPLETE },
    { referral_id: 'OLD', patient_key: 'OLD', referring_npi: S1, received_at: '2025-05-31 23:00', channel: 'fax', ...INCOMPLETE },
  ];
  const referral_events = [{ referral_id: `${S1}f-0`, event_type: 'doc_received', event_at: '2026-01-07 09:00', detail: 'insurance_card' }];
  return { referrals, referral_events };
}

const read = (warehouse: Warehouse) =>
  warehouse.query(
    `SELECT dimension, value, referrals::INTEGER AS referrals, incomplete_at_receipt_count::INTEGER AS incomplete, incomplete_at_receipt_rate AS rate,
            docs_completed_later_count::INTEGER AS docs_completed_later_count, still_incomplete_count::INTEGER AS still_incomplete_count, median_hours_to_complete AS median_hours, is_listed
     FROM document_gaps ORDER BY dimension, value`,
  );

describe('document_gaps', () => {
  it('counts incomplete packets by dimension, each rate over its own in-scope referrals, sources keyed by source', async () => {
    w = await buildWith(fixture(), '2026-06-01');
    const row = (dimension: string, value: string, referrals: number, incomplete: number, completedLater: number, medianHours: number | null, isListed = true) => ({
      dimension,
      value,
      referrals,
      incomplete,
      rate: incomplete / referrals,
      docs_completed_later_count: completedLater,
      still_incomplete_count: incomplete - completedLater,
      median_hours: medianHours,
      is_listed: isListed,
    });
    expect(await read(w)).toEqual([
      row('channel', 'fax', 29, 3, 1, 48),
      row('channel', 'portal', 35, 4, 0, null),
      row('document_type', 'clinical_notes', 64, 0, 0, null),
      row('document_type', 'insurance_card', 64, 7, 1, 48),
      row('overall', 'all', 64, 7, 1, 48),
      row('service_line', 'cardiology', 64, 7, 1, 48),
      // Listed from 20 in-scope referrals (document_gaps.min_source_referrals); the unknown source never.
      row('source', S1, 20, 5, 1, 48),
      row('source', S2, 19, 0, 0, null, false),
      row('source', 'unknown', 25, 2, 0, null, false),
    ]);
  });

  it('lists sources from the configured floor, and stamps the as_of and run', async () => {
    w = await buildWith(fixture(), '2026-06-01', { ...MODEL_CONFIG, document_gaps: { min_source_referrals: 19 } });
    expect(await w.query("SELECT value, is_listed FROM document_gaps WHERE dimension = 'source' ORDER BY value")).toEqual([
      { value: S1, is_listed: true },
      { value: S2, is_listed: true },
      { value: 'unknown', is_listed: false },
    ]);
    expect(await w.query("SELECT DISTINCT strftime(as_of, '%Y-%m-%d %H:%M') AS as_of, run_id::INTEGER AS run_id FROM document_gaps")).toEqual([{ as_of: '2026-06-01 00:00', run_id: 1 }]);
  });
});

describe('document_gaps: time to complete', () => {
  it('takes the median and 90th percentile over the packets completed later, per referral and per document', async () => {
    // Five incomplete packets (no insurance card), the card arriving 1, 2, 3, 4 and 10 hours after receipt, and one never;
    // five complete at receipt (0 hours, left out of the times).
    const referrals = [
      ...every(S1, '2026-03-02 09:00', 6, 1, INCOMPLETE, 'i'),
      ...every(S1, '2026-03-20 09:00', 5, 1, {}, 'c'),
    ];
    const referral_events = [1, 2, 3, 4, 10].map((hours, i) => ({
      referral_id: `${S1}i-${i}`, event_type: 'doc_received', event_at: `2026-03-${String(2 + i).padStart(2, '0')} ${String(9 + hours).padStart(2, '0')}:00`, detail: 'insurance_card',
    }));
    w = await buildWith({ referrals, referral_events }, '2026-06-01');
    // quantile_cont: median of 1, 2, 3, 4, 10 is 3; the 90th percentile 4 + 0.6 × (10 − 4) = 7.6.
    expect(
      await w.query(
        `SELECT dimension, value, docs_completed_later_count::INTEGER AS docs_completed_later_count, still_incomplete_count::INTEGER AS still_incomplete_count,
                median_hours_to_complete AS median, round(p90_hours_to_complete, 9) AS p90
         FROM document_gaps WHERE dimension IN ('overall', 'document_type') ORDER BY dimension, value`,
      ),
    ).toEqual([
      { dimension: 'document_type', value: 'clinical_notes', docs_completed_later_count: 0, still_incomplete_count: 0, median: null, p90: null },
      { dimension: 'document_type', value: 'insurance_card', docs_completed_later_count: 5, still_incomplete_count: 1, median: 3, p90: 7.6 },
      { dimension: 'overall', value: 'all', docs_completed_later_count: 5, still_incomplete_count: 1, median: 3, p90: 7.6 },
    ]);
  });
});
