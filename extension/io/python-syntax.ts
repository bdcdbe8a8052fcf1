import type { Node } from 'web-tree-sitter';
import type { Range } from '../core/findings/finding';
import type { PyModule, PySyntaxError } from '../core/python/python-model';

/** What python-analyzer.ts needs before and around the walk: newlines, nesting limits, syntax errors, ranges. */

/**
 * The source as CPython reads it (universal newlines: `\r\n`, `\r` and `\n` all end a line), for
 * tree-sitter, which ends lines only at `\n`. A lone `\r` becomes `\n`: the length stays, so offsets
 * and columns are unchanged, and lines are those the editor shows (it breaks lines at a lone `\r` too).
 */
export function universalNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/** A module whose brackets nest deeper than CPython allows: one syntax error there, nothing else analysed. */
export function tooDeepModule(source: string, offset: number, detail: PyModule['detail']): PyModule {
  const before = source.slice(0, offset);
  const line = before.split('\n').length - 1;
  const character = offset - (before.lastIndexOf('\n') + 1);
  return {
    detail,
    syntaxErrors: [
      {
        range: { start: { line, character }, end: { line, character: character + 1 } },
        message: `too many nested parentheses: brackets nest deeper than ${maxBracketDepth} levels here (CPython stops with the same SyntaxError); the file is not analysed further`,
      },
    ],
    imports: [],
    classes: [],
    functions: [],
    calls: [],
    assigns: [],
    callStatements: [],
  };
}

export function rangeOfNode(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** Walked with an explicit stack, in source order: a tree as deep as the user makes it cannot overflow ours. */
export function collectSyntaxErrors(root: Node): PySyntaxError[] {
  const errors: PySyntaxError[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0 && errors.length < 20) {
    const node = stack.pop() as Node;
    if (node.isMissing) {
      errors.push({ range: rangeOfNode(node), message: `missing ${JSON.stringify(node.type)}` });
      continue;
    }
    if (node.isError) {
      const first = node.firstChild;
      const text = (first ?? node).text.split('\n')[0]?.slice(0, 40) ?? '';
      const start = first ?? node;
      errors.push({
        range: { start: rangeOfNode(start).start, end: rangeOfNode(start).end },
        message: text.trim() === '' ? 'invalid syntax' : `invalid syntax near ${JSON.stringify(text.trim())}`,
      });
      continue;
    }
    const children = node.children.filter((child) => child.hasError || child.isMissing);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Node);
  }
  return errors;
}

/** CPython's tokenizer limit on open brackets (MAXLEVEL): deeper is a SyntaxError there too. */
export const maxBracketDepth = 200;

/**
 * Where brackets nest deeper than CPython allows ("too many nested parentheses"), found by a scan of
 * the text that skips comments and string literals; `undefined` when they do not. Such a file is not
 * analysed further: it cannot run, and its tree would be as deep as the nesting.
 */
export function tooDeepBrackets(text: string): number | undefined {
  // Fast path: brackets counted without regard to strings and comments nest at least as deep as the
  // real ones, so when even those stay within the limit (nearly every file) there is nothing to scan.
  let raw = 0;
  let rawMax = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28 || c === 0x5b || c === 0x7b) rawMax = Math.max(rawMax, ++raw);
    else if (c === 0x29 || c === 0x5d || c === 0x7d) raw = Math.max(0, raw - 1);
  }
  if (rawMax <= maxBracketDepth) return undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      i += close.length;
      while (i < text.length && !text.startsWith(close, i)) {
        if (text[i] === '\\') i++;
        else if (!triple && (text[i] === '\n' || text[i] === '\r')) break;
        i++;
      }
      i += close.length - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth > maxBracketDepth) return i;
    } else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}
