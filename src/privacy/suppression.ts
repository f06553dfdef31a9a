// Small-cell suppression for published breakdowns by a patient attribute
// (metrics.md, after CMS's cell-size policy): a count from 1 to
// min_cell_size − 1 is shown suppressed, and so is a rate computed from it.
//
// Primary suppression alone is not enough: when a row's total is published,
// one suppressed cell equals the total minus the others. So complementary
// suppression hides the next smallest cell of every row and column that has
// exactly one hidden cell, repeated until no row or column has just one.
// Zero is not a small count (it reveals nobody) but a hidden zero still
// protects its neighbour, so zeros are chosen only when nothing else is left.

export interface Cell {
  row: string;
  column: string;
  count: number;
}

export interface SuppressedCell extends Cell {
  /** null when suppressed. */
  shown: number | null;
  suppressed: 'primary' | 'complementary' | null;
}

export function suppressTable(cells: Cell[], minCellSize: number): SuppressedCell[] {
  const out: SuppressedCell[] = cells.map((c) => ({
    ...c,
    shown: c.count,
    suppressed: c.count >= 1 && c.count < minCellSize ? 'primary' : null,
  }));
  const lines = (key: 'row' | 'column') => {
    const groups = new Map<string, SuppressedCell[]>();
    for (const cell of out) groups.set(cell[key], [...(groups.get(cell[key]) ?? []), cell]);
    return [...groups.values()];
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const line of [...lines('row'), ...lines('column')]) {
      if (line.filter((c) => c.suppressed).length !== 1) continue;
      const candidates = line.filter((c) => !c.suppressed).sort((a, b) => (a.count === 0 ? 1 : 0) - (b.count === 0 ? 1 : 0) || a.count - b.count);
      const complement = candidates[0];
      if (!complement) continue;
      complement.suppressed = 'complementary';
      changed = true;
    }
  }
  for (const cell of out) if (cell.suppressed) cell.shown = null;
  return out;
}

/** A rate whose numerator or denominator cell is suppressed is suppressed too. */
export function suppressedRate(numerator: SuppressedCell | undefined, denominator: SuppressedCell | undefined): number | null {
  if (!numerator || !denominator || numerator.shown === null || denominator.shown === null || denominator.count === 0) return null;
  return numerator.count / denominator.count;
}
