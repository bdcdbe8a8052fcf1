/**
 * The one way each generated format takes a value from the project file. The values are validated where
 * they enter (image references, names), and these helpers still make sure that a value can only ever be
 * one word of its format: never a second instruction, line or substitution.
 */

/** Whether `value` holds a control character (line breaks included): no Dockerfile value may. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Characters that stand for themselves in a Dockerfile word (so common values stay unquoted). */
const plainDockerfileWord = /^[A-Za-z0-9._/:@+=,-]+$/;

/**
 * A value as one Dockerfile word (an `ARG` default, an `ENV` value): as it is when it is plain, else
 * double-quoted with `\`, `"` and `$` escaped, so the builder substitutes nothing. A control character
 * (a line break would start a new instruction) is refused, not escaped.
 */
export function dockerfileWord(value: string): string {
  if (hasControlCharacter(value)) throw new Error(`refusing to write ${JSON.stringify(value)} into a Dockerfile: it contains a control character`);
  if (plainDockerfileWord.test(value)) return value;
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** A string for compose.yaml: compose interpolates `$NAME` and `${NAME}` everywhere, `$$` is a literal `$`. */
export function composeString(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** Every string of a compose document (keys stay as they are: they are ours) through `composeString`. */
export function composeStrings<T>(document: T): T {
  const escape = (value: unknown): unknown => {
    if (typeof value === 'string') return composeString(value);
    if (Array.isArray(value)) return value.map(escape);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, escape(inner)]));
    return value;
  };
  return escape(document) as T;
}
