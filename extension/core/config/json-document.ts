import { applyEdits, createScanner, findNodeAtOffset, modify, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { rangeOf, type Range } from '../findings/finding';
import { messageOf } from '../errors';

/**
 * A JSON text with the source position of every key and value, so findings about a JSON path can point
 * at the right characters. Node's `JSON.parse` stays the source of the value (it is exact and fast);
 * `jsonc-parser` (the parser behind VS Code's JSON support), run in strict mode, supplies the positions
 * and, when the text is not JSON, says where and why: Node 20's messages for many errors
 * ("Unexpected token ']', ... is not valid JSON") carry no position at all.
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

/** Nesting deeper than this is reported instead of parsed (jsonc-parser recurses): no project file or SLA comes close. */
const maxDepth = 512;

/** Strict JSON, as FLOps reads it: no comments, no trailing commas, no empty file. */
const strict = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false } as const;

/** jsonc-parser's `SyntaxKind` values; it declares its enums `const`, which isolated modules cannot read. */
const token = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, eof: 17 } as const;

interface Located {
  readonly offset: number;
  readonly length: number;
  readonly message: string;
}

const emptyNode = { members: [], items: [] } as const;

/** What sits at `offset`, for "found ..." in messages. */
function describe(text: string, offset: number, length: number): string {
  if (offset >= text.length) return 'the end of the file';
  const c = text[offset] as string;
  if (/\s/.test(c)) return `whitespace (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  const shown = text.slice(offset, offset + Math.min(Math.max(length, 1), 40)).split(/[\r\n]/)[0] as string;
  return shown.startsWith('"') ? `the string ${shown}` : `"${shown}"`;
}

/**
 * jsonc-parser flags a bad string as a whole; this finds the first offending character inside it (a bad
 * escape, a control character, the line break that ends it), or reports it as never closed.
 */
function stringProblem(text: string, start: number, end: number): Located {
  for (let at = start + 1; at < end; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x22) return { offset: start, length: at + 1 - start, message: 'invalid string' };
    if (c === 0x5c) {
      const next = text[at + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) return { offset: at, length: 2, message: 'invalid \\u escape: it needs four hex digits' };
        at += 5;
      } else if (next === '\n' || next === '\r') return { offset: at + 1, length: 1, message: 'a string must end on the line it starts (escape line breaks as \\n)' };
      else if (next !== undefined && '"\\/bfnrt'.includes(next)) at++;
      else if (next !== undefined) return { offset: at, length: 2, message: `invalid escape "\\${next}" in a string` };
    } else if (c < 0x20) return { offset: at, length: 1, message: 'control characters must be escaped in strings' };
  }
  const after = text[end];
  if (after === '\n' || after === '\r') return { offset: end, length: 1, message: 'a string must end on the line it starts (escape line breaks as \\n)' };
  return { offset: start, length: 1, message: 'this string is never closed' };
}

/** The object or array around `offset` in jsonc-parser's partial tree. */
function containerAt(root: Node | undefined, offset: number): 'object' | 'array' | undefined {
  let node = root === undefined ? undefined : findNodeAtOffset(root, offset);
  while (node !== undefined && ((node.type !== 'object' && node.type !== 'array') || node.offset === offset)) node = node.parent;
  return node?.type === 'object' || node?.type === 'array' ? node.type : undefined;
}

/** Turns jsonc-parser's first error into a located message in plain words. */
function explain(text: string, error: ParseError, tree: Node | undefined): Located {
  const { offset, length } = error;
  const found = describe(text, offset, length);
  const atEnd = offset >= text.length;
  const before = text.slice(0, offset).trimEnd();
  const here = (message: string): Located => ({ offset, length: atEnd ? 0 : Math.max(length, 1), message });
  // "01" or "1.5.2": jsonc-parser reads two tokens and asks for a comma; JSON calls it a bad number.
  if (/^[0-9.]/.test(text[offset] ?? '') && /[0-9]$/.test(text.slice(0, offset))) {
    const start = /-?[0-9.eE+-]*$/.exec(text.slice(0, offset))?.index ?? offset - 1;
    const end = offset + (/^[0-9.eE+-]*/.exec(text.slice(offset))?.[0].length ?? 0);
    const problem = /^-?0$/.test(text.slice(start, offset)) ? 'leading zeros are not allowed' : 'a number has at most one "." and one exponent';
    return { offset: start, length: end - start, message: `invalid number: ${problem}` };
  }
  switch (printParseErrorCode(error.error)) {
    case 'InvalidSymbol': {
      const symbol = text.slice(offset, offset + length);
      if (symbol.startsWith("'")) return here("strings and property names must use double quotes, not '");
      if (symbol === '-') return here('invalid number: a digit must follow "-"');
      if (/^[A-Za-z_$][\w$]*$/.test(symbol)) {
        const hint =
          symbol === 'True' || symbol === 'False' || symbol === 'None'
            ? ` (JSON spells it ${symbol === 'None' ? 'null' : symbol.toLowerCase()})`
            : symbol === 'NaN' || symbol === 'Infinity'
              ? ' (JSON has no NaN or Infinity)'
              : ' (strings need double quotes)';
        return here(`unexpected word "${symbol}"${hint}`);
      }
      return here(`unexpected ${found}`);
    }
    case 'PropertyNameExpected':
      if (text[offset] === '}' && before.endsWith(',')) return here('a trailing comma is not allowed in JSON: remove the "," before "}"');
      if (atEnd) return here('the file ends inside an object: a "}" is missing');
      return here(`expected a property name in double quotes, found ${found}`);
    case 'ValueExpected':
      if (text[offset] === ']' && before.endsWith(',')) return here('a trailing comma is not allowed in JSON: remove the "," before "]"');
      if (text[offset] === '}' && before.endsWith(',')) return here('a trailing comma is not allowed in JSON: remove the "," before "}"');
      if (atEnd) return here('the file ends where a value was expected');
      return here(`expected a value, found ${found}`);
    case 'ColonExpected':
      return here(`expected ":" after the property name, found ${found}`);
    case 'CommaExpected': {
      const container = containerAt(tree, offset);
      if (container === 'object') return here(`expected "," or "}" after a property value, found ${found}`);
      if (container === 'array') return here(`expected "," or "]" after an array item, found ${found}`);
      return here(`expected ",", found ${found}`);
    }
    case 'CloseBraceExpected':
      return here(atEnd ? 'the file ends inside an object: a "}" is missing' : `expected "," or "}" after a property value, found ${found}`);
    case 'CloseBracketExpected':
      return here(atEnd ? 'the file ends inside an array: a "]" is missing' : `expected "," or "]" after an array item, found ${found}`);
    case 'EndOfFileExpected':
      return here(`unexpected ${found} after the end of the JSON value`);
    case 'InvalidCommentToken':
    case 'UnexpectedEndOfComment':
      return here('comments are not allowed in JSON');
    case 'UnexpectedEndOfString':
    case 'InvalidUnicode':
    case 'InvalidEscapeCharacter':
    case 'InvalidCharacter':
      return stringProblem(text, offset, offset + length);
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return here(`invalid number ${found}: a digit must follow "." and "e"`);
    case '<unknown ParseErrorCode>':
      return here(`unexpected ${found}`);
  }
}

/** The offset of the first bracket nested deeper than `maxDepth`, if any (strings and comments are single tokens). */
function tooDeep(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan() as number; kind !== token.eof; kind = scanner.scan() as number) {
    if (kind === token.openBrace || kind === token.openBracket) {
      if (++depth > maxDepth) return scanner.getTokenOffset();
    } else if (kind === token.closeBrace || kind === token.closeBracket) depth--;
  }
  return undefined;
}

/** Parses strictly; returns jsonc-parser's tree, or the first error located and explained. */
function parseStrict(source: string): { tree: Node | undefined; error: Located | undefined } {
  const deep = tooDeep(source);
  if (deep !== undefined) {
    // Report an earlier syntax error first, as a left-to-right reader would meet it.
    const errors: ParseError[] = [];
    const tree = parseTree(source.slice(0, deep), errors, strict);
    const earlier = errors[0];
    if (earlier !== undefined && earlier.offset < deep) return { tree: undefined, error: explain(source, earlier, tree) };
    return { tree: undefined, error: { offset: deep, length: 1, message: `nesting is deeper than ${maxDepth} levels` } };
  }
  const errors: ParseError[] = [];
  const tree = parseTree(source, errors, strict);
  const first = errors[0];
  return first === undefined ? { tree, error: undefined } : { tree: undefined, error: explain(source, first, tree) };
}

function toJsonNode(node: Node): JsonNode {
  const start = node.offset;
  const end = node.offset + node.length;
  switch (node.type) {
    case 'object':
      return {
        kind: 'object',
        start,
        end,
        members: (node.children ?? []).map((property) => {
          const [key, value] = property.children ?? [];
          if (key === undefined || value === undefined) throw new Error('jsonc-parser gave a property without a key or value');
          return { key: key.value as string, keyStart: key.offset, keyEnd: key.offset + key.length, value: toJsonNode(value) };
        }),
        items: [],
      };
    case 'array':
      return { kind: 'array', start, end, members: [], items: (node.children ?? []).map(toJsonNode) };
    case 'property':
      throw new Error('jsonc-parser gave a property outside an object');
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { kind: node.type, start, end, ...emptyNode };
  }
}

/**
 * Maps offsets to zero-based line/character positions (UTF-16 code units, as VS Code counts; `\n`,
 * `\r\n` and a lone `\r` each end a line, as in the editor).
 */
export function offsetMapper(text: string): (offset: number) => { line: number; character: number } {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) lineStarts.push(i + 1);
  }
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
  const { tree, error } = parseStrict(source);
  if (error !== undefined) {
    syntaxError = { range: range(error.offset, Math.min(error.offset + error.length, text.length)), message: error.message };
  } else {
    try {
      value = JSON.parse(source) as unknown;
      root = tree === undefined ? undefined : toJsonNode(tree);
    } catch (parseError) {
      // jsonc-parser accepted what JSON.parse rejects: trust JSON.parse and say so plainly.
      root = undefined;
      value = undefined;
      syntaxError = { range: range(0, Math.min(1, text.length)), message: messageOf(parseError) };
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

/**
 * The text with one value set at `path`, everything else (formatting, key order, comments) kept: for
 * edits the user asked for, such as "Scale Learners" setting `simulation.learners`.
 */
export function setJsonValue(text: string, path: readonly (string | number)[], value: unknown): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n( +|\t)"/.exec(text)?.[1] ?? '  ';
  return applyEdits(text, modify(text, [...path], value, { formattingOptions: { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol } }));
}
