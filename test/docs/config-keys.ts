// Every key a config file can hold, read from the zod schema itself, so a key
// added to src/config/schema.ts shows up here without anyone listing it.
//
// Paths are written as the docs write them: `a.b` for key b of object a,
// `list[].key` for a key of each entry of a list, and `feeds.<kind>` for the
// per-extract-kind objects (one row in the docs stands for every kind).
import type { z } from 'zod';

export interface ConfigKey {
  path: string;
  /** The file must hold it: the key and every object above it are required. */
  required: boolean;
  /** What an absent key becomes (undefined when it has no default). */
  defaultValue: unknown;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The schema under defaults, optionals and pipes. */
function unwrap(schema: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(schema);
    if (WRAPPERS.has(def.type) && def.innerType) schema = def.innerType;
    else if (def.type === 'pipe' && def.in) schema = def.in;
    else return schema;
  }
}

/** Children of an object schema, or of a record whose keys are a fixed list (an enum). */
function children(schema: z.ZodType): [string, z.ZodType, boolean][] {
  const def = defOf(schema);
  if (def.type === 'object') return Object.entries(def.shape ?? {}).map(([k, v]) => [k, v, false]);
  if (def.type === 'record' && def.keyType && def.valueType) {
    const keyDef = defOf(unwrap(def.keyType));
    // A record keyed by an enum has those keys, each optional; one keyed by free text (renames, value maps) has none to document.
    if (keyDef.type === 'enum') return Object.values(keyDef.entries ?? {}).map((k) => [k, def.valueType!, true]);
  }
  return [];
}

export function configKeys(root: z.ZodType, collapse: { parent: string; keys: readonly string[]; as: string }[] = []): ConfigKey[] {
  const found = new Map<string, ConfigKey>();
  const visit = (schema: z.ZodType, path: string, required: boolean, inherited: unknown) => {
    const inner = unwrap(schema);
    const def = defOf(inner);
    if (def.type === 'array' && def.element) return visit(def.element, `${path}[]`, required, undefined);
    if (def.type === 'union') {
      for (const option of def.options ?? []) visit(option, path, required, inherited);
      return;
    }
    for (const [key, child, partial] of children(inner)) {
      const name = collapse.find((c) => c.parent === path && c.keys.includes(key))?.as ?? key;
      const childPath = path ? `${path}.${name}` : name;
      const absent = child.safeParse(undefined);
      const own = absent.success ? absent.data : undefined;
      const defaultValue = own !== undefined ? own : (inherited as Record<string, unknown> | undefined)?.[key];
      const childRequired = required && !partial && !absent.success;
      if (!found.has(childPath)) found.set(childPath, { path: childPath, required: childRequired, defaultValue });
      visit(child, childPath, childRequired, defaultValue);
    }
  };
  visit(root, '', true, undefined);
  return [...found.values()];
}
