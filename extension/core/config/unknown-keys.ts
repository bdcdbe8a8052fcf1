import type { z } from 'zod';
import { closestMatch } from './edit-distance';

/**
 * Keys a document has that its zod schema does not declare. Both of our documents keep unknown keys
 * when parsing (FLOps and Oakestra ignore them), so a typo like `trainig_rounds` silently loses the
 * setting: this walk finds them, with the closest declared key as a suggestion.
 */

export interface UnknownKey {
  /** Path of the object holding the key. */
  readonly path: readonly PropertyKey[];
  readonly key: string;
  /** The declared key it most likely means. */
  readonly suggestion: string | undefined;
  /** For union members: the discriminator value under which the key would be known (`"dirichlet"`). */
  readonly knownUnder: string | undefined;
}

/** The parts of zod's schema definitions the walk reads (zod 4 exposes them as `_zod.def`). */
interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
  readonly valueType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly values?: readonly unknown[];
}

function defOf(schema: z.ZodType): Def {
  return schema._zod.def;
}

/** Strips wrappers (optional, default, prefault, nullable, readonly, pipe input) down to the real shape. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else break;
  }
  return current;
}

/** The literal values a discriminated union member's discriminator accepts. */
function discriminatorValues(option: z.ZodType, discriminator: string): unknown[] {
  const shape = defOf(unwrapSchema(option)).shape;
  const field = shape !== undefined && Object.hasOwn(shape, discriminator) ? shape[discriminator] : undefined;
  if (field === undefined) return [];
  return [...(defOf(unwrapSchema(field)).values ?? [])];
}

function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwnShapeKey(schema: z.ZodType, key: string): boolean {
  const shape = defOf(unwrapSchema(schema)).shape;
  return shape !== undefined && Object.hasOwn(shape, key);
}

/** Walks `value` alongside `schema` and lists every object key the schema does not declare. */
export function findUnknownKeys(schema: z.ZodType, value: unknown): UnknownKey[] {
  const found: UnknownKey[] = [];
  const visit = (s: z.ZodType, v: unknown, path: PropertyKey[]): void => {
    const inner = unwrapSchema(s);
    const def = defOf(inner);
    switch (def.type) {
      case 'object': {
        if (!isRecordObject(v) || def.shape === undefined) return;
        const declared = Object.keys(def.shape);
        for (const [key, child] of Object.entries(v)) {
          // Own keys only: "constructor" or "toString" in a user's file is an unknown key, not Object's.
          const field = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
          if (field === undefined) found.push({ path, key, suggestion: closestMatch(key, declared), knownUnder: undefined });
          else visit(field, child, [...path, key]);
        }
        return;
      }
      case 'array':
        if (Array.isArray(v) && def.element !== undefined) v.forEach((item, i) => visit(def.element as z.ZodType, item, [...path, i]));
        return;
      case 'record':
        if (isRecordObject(v) && def.valueType !== undefined) for (const [key, child] of Object.entries(v)) visit(def.valueType, child, [...path, key]);
        return;
      case 'union': {
        const options = def.options ?? [];
        const discriminator = def.discriminator;
        if (discriminator === undefined || !isRecordObject(v)) return;
        const chosen = options.find((o) => discriminatorValues(o, discriminator).includes(v[discriminator]));
        if (chosen === undefined) return;
        const before = found.length;
        visit(chosen, v, path);
        // A key unknown to the chosen member may belong to another one (alpha under "iid"): say which.
        for (let i = before; i < found.length; i++) {
          const entry = found[i] as UnknownKey;
          if (entry.path !== path) continue;
          const owner = options.find((o) => o !== chosen && hasOwnShapeKey(o, entry.key));
          if (owner !== undefined) found[i] = { ...entry, suggestion: undefined, knownUnder: String(discriminatorValues(owner, discriminator)[0]) };
        }
        return;
      }
      default:
        return;
    }
  };
  visit(schema, value, []);
  return found;
}

/** `a.b[2].c` for messages. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}
