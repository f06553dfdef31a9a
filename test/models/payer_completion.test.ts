// payer_completion: in-scope referrals of the buckets window seen, by payer ×
// service line, with small counts suppressed in the mart (primary and
// complementary) and a rate from a suppressed cell suppressed.
import { afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { buildingOnly, type Row } from '../helpers/models.ts';
import { visitsFor } from './fixtures.ts';

const buildWith = buildingOnly('payer_completion');

let w: Warehouse | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** as_of 2026-06-01 12:00: the 182-day window starts after 2025-12-01 12:00. */
const AS_OF = '2026-06-01 12:00';

/** `n` in-scope referrals of one payer and line received on 2026-05-01, the first `seen` with a visit. */
function cell(payer: string | null, line: string, n: number, seen = 0, receivedAt = '2026-05-01 09:00'): { referrals: Row[]; visits: Row[] } {
  const referrals = Array.from({ length: n }, (_, i) => {
    const id = `${payer ?? 'none'}-${line}-${receivedAt}-${i}`;
    return { referral_id: id, patient_key: id, payer_type: payer, service_line: line, received_at: receivedAt };
  });
  return { referrals, visits: visitsFor(referrals.slice(0, seen)) };
}

function given(...cells: { referrals: Row[]; visits: Row[] }[]) {
  return { referrals: cells.flatMap((c) => c.referrals), visits: cells.flatMap((c) => c.visits) };
}

const read = (warehouse: Warehouse) =>
  warehouse.query(
    `SELECT payer_type, service_line, referrals::INTEGER AS referrals, with_visit_count::INTEGER AS with_visit_count, completion_rate, is_suppressed
     FROM payer_completion ORDER BY payer_type, service_line`,
  );

describe('payer_completion', () => {
  it('shows 11, hides 10, and hides a second cell of each line the hidden one could be worked out from', async () => {
    // medicare × cardiology (10) is the one small cell; its row, then each column, loses its smallest other cell.
    w = await buildWith(
      given(
        cell('commercial', 'cardiology', 30),
        cell('commercial', 'imaging', 25),
        cell('medicaid', 'cardiology', 11),
        cell('medicaid', 'imaging', 20),
        cell('medicare', 'cardiology', 10),
        cell('medicare', 'imaging', 40),
      ),
      AS_OF,
    );
    const hidden = { referrals: null, with_visit_count: 0, completion_rate: null, is_suppressed: true };
    expect(await read(w)).toEqual([
      { payer_type: 'commercial', service_line: 'cardiology', referrals: 30, with_visit_count: 0, completion_rate: 0, is_suppressed: false },
      { payer_type: 'commercial', service_line: 'imaging', referrals: 25, with_visit_count: 0, completion_rate: 0, is_suppressed: false },
      { payer_type: 'medicaid', service_line: 'cardiology', ...hidden },
      { payer_type: 'medicaid', service_line: 'imaging', ...hidden },
      { payer_type: 'medicare', service_line: 'cardiology', ...hidden },
      { payer_type: 'medicare', service_line: 'imaging', ...hidden },
    ]);
  });

  it('counts the window from as_of (start excluded), in-scope referrals only, no payer as "not recorded"', async () => {
    w = await buildWith(
      given(
        cell(null, 'cardiology', 10, 0, '2026-05-01 09:00'),
        cell(null, 'cardiology', 1, 0, '2025-12-01 12:01'), // just inside: the 11th
        cell(null, 'cardiology', 1, 0, '2025-12-01 12:00'), // the window's start: out
        cell(null, 'dermatology', 12), // not a configured line: out of scope
      ),
      AS_OF,
    );
    expect(await read(w)).toEqual([{ payer_type: 'not recorded', service_line: 'cardiology', referrals: 11, with_visit_count: 0, completion_rate: 0, is_suppressed: false }]);
  });

  it('suppresses the completed table on its own, and a rate whose count is hidden', async () => {
    // Referrals all shown; with_visit_count: 5 is small, so its row's other cell (12) is hidden too, and their columns' others.
    w = await buildWith(
      given(cell('commercial', 'cardiology', 20, 5), cell('commercial', 'imaging', 20, 12), cell('medicare', 'cardiology', 20, 15), cell('medicare', 'imaging', 20, 16)),
      AS_OF,
    );
    expect(await read(w)).toEqual([
      { payer_type: 'commercial', service_line: 'cardiology', referrals: 20, with_visit_count: null, completion_rate: null, is_suppressed: true },
      { payer_type: 'commercial', service_line: 'imaging', referrals: 20, with_visit_count: null, completion_rate: null, is_suppressed: true },
      { payer_type: 'medicare', service_line: 'cardiology', referrals: 20, with_visit_count: null, completion_rate: null, is_suppressed: true },
      { payer_type: 'medicare', service_line: 'imaging', referrals: 20, with_visit_count: null, completion_rate: null, is_suppressed: true },
    ]);
  });

  it('shows a rate when both counts are shown', async () => {
    w = await buildWith(given(cell('medicare', 'cardiology', 20, 11)), AS_OF);
    expect(await read(w)).toEqual([{ payer_type: 'medicare', service_line: 'cardiology', referrals: 20, with_visit_count: 11, completion_rate: 11 / 20, is_suppressed: false }]);
  });

  const THREE_LINES = {
    timezone: 'America/New_York',
    service_lines: [
      { id: 'cardiology', name: 'Cardiology' },
      { id: 'imaging', name: 'Imaging' },
      { id: 'orthopedics', name: 'Orthopedics' },
    ],
  };

  it('takes a shown count as the complement before a zero', async () => {
    // The completed row: 0, 30 and 10 (small); the complement is the 30. Each column has one cell: nothing else to hide.
    w = await buildWith(given(cell('commercial', 'cardiology', 40, 0), cell('commercial', 'imaging', 40, 30), cell('commercial', 'orthopedics', 40, 10)), AS_OF, THREE_LINES);
    expect((await read(w)).map((r) => [r.service_line, r.with_visit_count])).toEqual([
      ['cardiology', 0],
      ['imaging', null],
      ['orthopedics', null],
    ]);
  });

  it('hides a zero when it is the only cell left to hide', async () => {
    w = await buildWith(given(cell('commercial', 'cardiology', 40, 0), cell('commercial', 'imaging', 40, 10)), AS_OF);
    expect((await read(w)).map((r) => [r.service_line, r.with_visit_count])).toEqual([
      ['cardiology', null],
      ['imaging', null],
    ]);
  });
});
