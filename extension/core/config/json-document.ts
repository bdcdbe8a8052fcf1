import { rangeOf, type Range } from '../lint/finding';

/**
 * A JSON text with the source position of every key and value, so findings about a JSON path can point
 * at the right characters. Node's `JSON.parse` stays the source of the value (it is exact and fast); the
 * small scanner below only adds positions and, when the text is not JSON, says where and why: Node 20's
 * messages for many errors ("Unexpected token ']', ... is not valid JSON") carry no position at all.
 */

export interface JsonMember {
  readonly key: string;
  /** Offsets of the key including its quotes, `[start, end)`. */
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: JsonNode;
}

export interface JsonNode {
  readonly kind: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  /** Offsets of the value, `[start, end)`. */
  readonly start: number;
  readonly end: number;
  /** Object members in source order (duplicates included). */
  readonly members: readonly JsonMember[];
  /** Array items. */
  readonly items: readonly JsonNode[];
}

export interface JsonDuplicateKey {
  /** Path of the object holding the key twice. */
  readonly path: readonly PropertyKey[];
  readonly key: string;
  /** The range of the earlier occurrence, which JSON.parse silently drops. */
  readonly range: Range;
}

export interface JsonDocument {
  readonly text: string;
  /** The parsed value; `undefined` when the text is not JSON (see `syntaxError`). */
  readonly value: unknown;
  readonly root: JsonNode | undefined;
  /** Why the text is not JSON, and where. */
  readonly syntaxError: { readonly range: Range; readonly message: string } | undefined;
  /** The range of the key at `path` (the value for array items), or of the deepest existing parent. */
  locate(path: readonly PropertyKey[]): Range;
  /** The range of the value at `path`, or of the deepest existing parent. */
  locateValue(path: readonly PropertyKey[]): Range;
  /** Keys given twice in one object (JSON.parse keeps the last). */
  duplicateKeys(): JsonDuplicateKey[];
}

/** Nesting deeper than this is reported instead of parsed: no project file or SLA comes close. */
const maxDepth = 512;

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
    readonly length = 1,
  ) {
    super(message);
  }
}

const emptyNode = { members: [], items: [] } as const;

function describeChar(text: string, at: number): string {
  if (at >= text.length) return 'the end of the file';
  const c = text[at] as string;
  return /\s/.test(c) ? `whitespace (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})` : `"${c}"`;
}

/** A recursive-descent scanner that records positions; depth is bounded, so it cannot overflow the stack. */
class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  parse(): JsonNode {
    this.skipSpace();
    const node = this.value(0);
    this.skipSpace();
    if (this.at < this.text.length) throw new JsonSyntaxError(this.at, `unexpected ${describeChar(this.text, this.at)} after the end of the JSON value`);
    return node;
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.at++;
      else if (c === 0x2f && (t[this.at + 1] === '/' || t[this.at + 1] === '*')) throw new JsonSyntaxError(this.at, 'comments are not allowed in JSON', 2);
      else break;
    }
  }

  private value(depth: number): JsonNode {
    if (depth > maxDepth) throw new JsonSyntaxError(this.at, `nesting is deeper than ${maxDepth} levels`);
    const t = this.text;
    const start = this.at;
    const c = t[start];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        this.string();
        return { kind: 'string', start, end: this.at, ...emptyNode };
      case "'":
        throw new JsonSyntaxError(start, "strings must use double quotes, not '");
      case undefined:
        throw new JsonSyntaxError(start, 'the file ends where a value was expected', 0);
      default:
        break;
    }
    for (const [word, kind] of [
      ['true', 'boolean'],
      ['false', 'boolean'],
      ['null', 'null'],
    ] as const) {
      if (t.startsWith(word, start)) {
        this.at += word.length;
        return { kind, start, end: this.at, ...emptyNode };
      }
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(t.slice(start, start + 400));
    if (number !== null && number[0] !== '-' && number[0].length > 0) {
      this.at += number[0].length;
      // "01" or "1." would leave a digit or a dot right behind the match.
      if (/[0-9.eE]/.test(t[this.at] ?? '')) throw new JsonSyntaxError(start, 'invalid number', this.at - start + 1);
      return { kind: 'number', start, end: this.at, ...emptyNode };
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_$][\w$]*/.exec(t.slice(start, start + 100))?.[0] ?? c;
      const hint = word === 'True' || word === 'False' || word === 'None' ? ` (JSON spells it ${word === 'None' ? 'null' : word.toLowerCase()})` : ' (strings need double quotes)';
      throw new JsonSyntaxError(start, `unexpected word "${word}" where a value was expected${hint}`, word.length);
    }
    throw new JsonSyntaxError(start, `unexpected ${describeChar(t, start)} where a value was expected`);
  }

  private string(): void {
    const t = this.text;
    const start = this.at;
    this.at++;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c === 0x22) {
        this.at++;
        return;
      }
      if (c === 0x5c) {
        const next = t[this.at + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.at + 2, this.at + 6))) throw new JsonSyntaxError(this.at, 'invalid \\u escape: it needs four hex digits', 2);
          this.at += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) this.at += 2;
        else throw new JsonSyntaxError(this.at, `invalid escape "\\${next ?? ''}" in a string`, 2);
        continue;
      }
      if (c < 0x20) {
        throw new JsonSyntaxError(this.at, c === 0x0a || c === 0x0d ? 'a string must end on the line it starts (escape line breaks as \\n)' : 'control characters must be escaped in strings');
      }
      this.at++;
    }
    throw new JsonSyntaxError(start, 'this string is never closed', 1);
  }

  private object(depth: number): JsonNode {
    const t = this.text;
    const start = this.at;
    this.at++;
    const members: JsonMember[] = [];
    this.skipSpace();
    if (t[this.at] === '}') {
      this.at++;
      return { kind: 'object', start, end: this.at, members, items: [] };
    }
    for (;;) {
      this.skipSpace();
      if (t[this.at] !== '"') {
        if (t[this.at] === '}' && members.length > 0) throw new JsonSyntaxError(this.at, 'a trailing comma is not allowed in JSON: remove the "," before "}"');
        if (t[this.at] === "'") throw new JsonSyntaxError(this.at, "property names must use double quotes, not '");
        if (this.at >= t.length) throw new JsonSyntaxError(this.at, 'the file ends inside an object: a "}" is missing', 0);
        throw new JsonSyntaxError(this.at, `expected a property name in double quotes, found ${describeChar(t, this.at)}`);
      }
      const keyStart = this.at;
      this.string();
      const keyEnd = this.at;
      this.skipSpace();
      if (t[this.at] !== ':') throw new JsonSyntaxError(this.at, `expected ":" after the property name, found ${describeChar(t, this.at)}`, this.at >= t.length ? 0 : 1);
      this.at++;
      this.skipSpace();
      const value = this.value(depth + 1);
      members.push({ key: JSON.parse(t.slice(keyStart, keyEnd)) as string, keyStart, keyEnd, value });
      this.skipSpace();
      if (t[this.at] === ',') {
        this.at++;
        continue;
      }
      if (t[this.at] === '}') {
        this.at++;
        return { kind: 'object', start, end: this.at, members, items: [] };
      }
      if (this.at >= t.length) throw new JsonSyntaxError(this.at, 'the file ends inside an object: a "}" is missing', 0);
      throw new JsonSyntaxError(this.at, `expected "," or "}" after a property value, found ${describeChar(t, this.at)}`);
    }
  }

  private array(depth: number): JsonNode {
    const t = this.text;
    const start = this.at;
    this.at++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (t[this.at] === ']') {
      this.at++;
      return { kind: 'array', start, end: this.at, members: [], items };
    }
    for (;;) {
      this.skipSpace();
      if (t[this.at] === ']' && items.length > 0) throw new JsonSyntaxError(this.at, 'a trailing comma is not allowed in JSON: remove the "," before "]"');
      if (this.at >= t.length) throw new JsonSyntaxError(this.at, 'the file ends inside an array: a "]" is missing', 0);
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (t[this.at] === ',') {
        this.at++;
        continue;
      }
      if (t[this.at] === ']') {
        this.at++;
        return { kind: 'array', start, end: this.at, members: [], items };
      }
      if (this.at >= t.length) throw new JsonSyntaxError(this.at, 'the file ends inside an array: a "]" is missing', 0);
      throw new JsonSyntaxError(this.at, `expected "," or "]" after an array item, found ${describeChar(t, this.at)}`);
    }
  }
}

/** Maps offsets to zero-based line/character positions (UTF-16 code units, as VS Code counts). */
export function offsetMapper(text: string): (offset: number) => { line: number; character: number } {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) lineStarts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - (lineStarts[lo] as number) };
  };
}

/**
 * Parses JSON text. Never throws: invalid JSON gives `syntaxError` with the offending character's range
 * and a message that names the problem (trailing comma, comment, single quotes, missing bracket...).
 * A leading byte-order mark is ignored.
 */
export function parseJsonDocument(text: string): JsonDocument {
  // A BOM becomes a space so that offsets stay those of the original text.
  const source = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const position = offsetMapper(text);
  const range = (from: number, to: number): Range => {
    const start = position(from);
    const end = position(Math.max(from, to));
    return rangeOf(start.line, start.character, end.line, end.character);
  };
  let root: JsonNode | undefined;
  let value: unknown;
  let syntaxError: JsonDocument['syntaxError'];
  try {
    root = new Scanner(source).parse();
    value = JSON.parse(source) as unknown;
  } catch (error) {
    root = undefined;
    if (error instanceof JsonSyntaxError) {
      const to = Math.min(error.offset + error.length, text.length);
      syntaxError = { range: range(error.offset, to), message: error.message };
    } else {
      // The scanner accepted what JSON.parse rejects: trust JSON.parse and say so plainly.
      syntaxError = { range: range(0, Math.min(1, text.length)), message: error instanceof Error ? error.message : String(error) };
    }
  }

  const walk = (path: readonly PropertyKey[]): { node: JsonNode | undefined; best: [number, number]; bestValue: [number, number] } => {
    let node = root;
    let best: [number, number] = root === undefined ? [0, Math.min(1, text.length)] : [root.start, Math.min(root.start + 1, root.end)];
    let bestValue: [number, number] = root === undefined ? best : [root.start, root.end];
    for (const key of path) {
      if (node?.kind === 'object') {
        // JSON.parse keeps the last of duplicate keys, so the last is the one that counts.
        const member = [...node.members].reverse().find((m) => m.key === key);
        if (member === undefined) return { node: undefined, best, bestValue };
        best = [member.keyStart, member.keyEnd];
        bestValue = [member.value.start, member.value.end];
        node = member.value;
      } else if (node?.kind === 'array' && typeof key === 'number' && node.items[key] !== undefined) {
        node = node.items[key];
        best = [node.start, node.end];
        bestValue = best;
      } else return { node: undefined, best, bestValue };
    }
    return { node, best, bestValue };
  };

  return {
    text,
    value,
    root,
    syntaxError,
    locate: (path) => {
      const { best } = walk(path);
      return range(best[0], best[1]);
    },
    locateValue: (path) => {
      const { bestValue } = walk(path);
      return range(bestValue[0], bestValue[1]);
    },
    duplicateKeys: () => {
      const found: JsonDuplicateKey[] = [];
      const visit = (node: JsonNode, path: PropertyKey[]): void => {
        if (node.kind === 'object') {
          const seen = new Map<string, JsonMember>();
          for (const m of node.members) {
            const earlier = seen.get(m.key);
            if (earlier !== undefined) found.push({ path, key: m.key, range: range(earlier.keyStart, earlier.keyEnd) });
            seen.set(m.key, m);
            visit(m.value, [...path, m.key]);
          }
        } else if (node.kind === 'array') node.items.forEach((item, i) => visit(item, [...path, i]));
      };
      if (root !== undefined) visit(root, []);
      return found;
    },
  };
}
