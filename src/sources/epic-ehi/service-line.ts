// A service line from several Epic values (a specialty, a department name, a
// department id): the first a configured line recognizes, else the first
// present as written, which loads as an unknown line (out of scope).
export function serviceLineFrom(candidates: readonly (string | null)[], serviceLineOf: (value: string) => string | undefined): string | null {
  for (const candidate of candidates) {
    if (candidate === null) continue;
    const line = serviceLineOf(candidate);
    if (line !== undefined) return line;
  }
  for (const candidate of candidates) if (candidate !== null) return candidate;
  return null;
}
