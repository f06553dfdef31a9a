// Config keys that were renamed: an old config keeps working. The old key is
// read as the new one and a warning names the new key; a config holding both
// is refused, since refloop cannot tell which one the practice meant.

/** Each renamed key, as its path from the top of the config. */
export const RENAMED_KEYS: readonly { from: readonly string[]; to: readonly string[] }[] = [
  { from: ['targets', 'contacted_within_sla_share'], to: ['targets', 'contact_sla_met_rate'] },
];

export interface Renamed {
  json: unknown;
  warnings: string[];
  problems: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const dotted = (path: readonly string[]) => `$.${path.join('.')}`;

/** The config with every old key moved to its new name (the input is not changed). */
export function renameKeys(json: unknown, renames = RENAMED_KEYS): Renamed {
  const warnings: string[] = [];
  const problems: string[] = [];
  let out = json;
  for (const { from, to } of renames) {
    const parent = from.slice(0, -1);
    const holder = objectAt(out, parent);
    const oldKey = from.at(-1)!;
    if (!holder || !(oldKey in holder)) continue;
    const newKey = to.at(-1)!;
    if (newKey in holder) {
      problems.push(`${dotted(from)} and ${dotted(to)} are both set: ${dotted(from)} is the old name of ${dotted(to)}; keep only ${dotted(to)}`);
      continue;
    }
    const { [oldKey]: value, ...rest } = holder;
    out = withObjectAt(out, parent, { ...rest, [newKey]: value });
    warnings.push(`${dotted(from)} is now ${dotted(to)}: rename it in the config (the old name still works for now)`);
  }
  return { json: out, warnings, problems };
}

function objectAt(json: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let node = json;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return isObject(node) ? node : undefined;
}

function withObjectAt(json: unknown, path: readonly string[], value: Record<string, unknown>): unknown {
  if (path.length === 0) return value;
  const node = json as Record<string, unknown>;
  return { ...node, [path[0]!]: withObjectAt(node[path[0]!], path.slice(1), value) };
}
