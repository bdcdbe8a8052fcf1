import type { z } from 'zod';
import { closestMatch } from './edit-distance';

/** One schema violation, at a JSON path. */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

const typeNames: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the fraction ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/**
 * Messages that say what was expected and what was found ("expected an integer, got the fraction 1.5"),
 * instead of zod's generic ones. Fields with their own message keep it: zod prefers schema-level errors.
 */
/** What a number beyond what JSON keeps exactly is told (1e400 reads as Infinity, 2**64 loses digits). */
export function tooLargeMessage(input: unknown): string | undefined {
  if (typeof input !== 'number' || Number.isNaN(input)) return undefined;
  if (!Number.isFinite(input)) return 'the number is too large (it overflows to Infinity)';
  if (Number.isInteger(input) && Math.abs(input) > Number.MAX_SAFE_INTEGER) return `the number ${input} is too large (integers above ${Number.MAX_SAFE_INTEGER} are not kept exactly)`;
  return undefined;
}

function errorMap(issue: z.core.$ZodRawIssue): string | undefined {
  const tooLarge = issue.code === 'invalid_type' || issue.code === 'too_big' || issue.code === 'too_small' ? tooLargeMessage(issue.input) : undefined;
  if (tooLarge !== undefined) return tooLarge;
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    // z.int() reports a string as "expected number"; its format says it wants an integer.
    const format = (issue.inst?._zod.def as { format?: unknown } | undefined)?.format;
    const wanted = format === 'safeint' || format === 'int32' ? 'int' : String(issue.expected);
    const expected = typeNames[wanted] ?? wanted;
    return `expected ${expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v));
    const near = typeof issue.input === 'string' ? closestMatch(issue.input, issue.values.map(String)) : undefined;
    const expected = values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
    return `expected ${expected}, got ${describeValue(issue.input)}${near !== undefined ? `. Did you mean "${near}"?` : ''}`;
  }
  // Everything else keeps zod's message (or the field's own).
  return undefined;
}

/** Parses `value`; never throws. Issues carry their JSON path and a readable message. */
export function parseWithIssues<T>(schema: z.ZodType<T>, value: unknown): { readonly data: T | undefined; readonly issues: SchemaIssue[] } {
  const parsed = schema.safeParse(value, { error: errorMap });
  if (parsed.success) return { data: parsed.data, issues: [] };
  return { data: undefined, issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) };
}
