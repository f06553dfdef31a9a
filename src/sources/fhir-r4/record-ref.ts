// A raw row's place in the delivery, kept compactly in the indexes.

/** Its file (index in the delivery's file list), its ordinal in the file (0-based) and its physical line. */
export interface RecordRef {
  file: number;
  ordinal: number;
  line: number;
}

/** Orders two rows as they come in the delivery. */
export function compareRefs(a: RecordRef, b: RecordRef): number {
  return a.file - b.file || a.ordinal - b.ordinal;
}

export function sameRef(a: RecordRef | undefined, b: RecordRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.file === b.file && a.ordinal === b.ordinal;
}
