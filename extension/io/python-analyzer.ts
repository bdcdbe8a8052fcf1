import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { Range } from '../core/lint/finding';
import type {
  PyCall,
  PyClass,
  PyExpr,
  PyFunction,
  PyImport,
  PyModule,
  PyParam,
  PyReturn,
  PySyntaxError,
} from '../core/lint/python-model';

/**
 * Python source → lint model, with tree-sitter-python (WebAssembly from its npm package). Rules need
 * much less than the syntax tree, so this walks only what they read: crossing into WebAssembly for
 * every node of every file would cost more than parsing (measured: a cursor walk of a 1,000-file repo
 * takes 40% of the parse time), so `outline` stays at top level and `full` walks class bodies only.
 */

export interface PythonParserHandle {
  parse(text: string, detail: PyModule['detail']): PyModule;
}

let initialised: Promise<Language> | undefined;

/** Loads the parser runtime and grammar once per thread from `wasmDir` (dist/ next to the bundle). */
export async function loadPythonParser(wasmDir: string): Promise<PythonParserHandle> {
  initialised ??= (async () => {
    await Parser.init({ locateFile: (name: string) => path.join(wasmDir, name) });
    return Language.load(path.join(wasmDir, 'tree-sitter-python.wasm'));
  })();
  const language = await initialised;
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(text, detail) {
      const source = universalNewlines(text);
      const tooDeep = tooDeepBrackets(source);
      if (tooDeep !== undefined) return tooDeepModule(source, tooDeep, detail);
      const tree = parser.parse(source);
      if (tree === null) throw new Error('tree-sitter returned no tree');
      try {
        return extractModule(tree.rootNode, detail);
      } finally {
        tree.delete();
      }
    },
  };
}

/**
 * The source as CPython reads it (universal newlines: `\r\n`, `\r` and `\n` all end a line), for
 * tree-sitter, which ends lines only at `\n`. A lone `\r` becomes `\n`: the length stays, so offsets
 * and columns are unchanged, and lines are those the editor shows (it breaks lines at a lone `\r` too).
 */
export function universalNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/** A module whose brackets nest deeper than CPython allows: one syntax error there, nothing else analysed. */
function tooDeepModule(source: string, offset: number, detail: PyModule['detail']): PyModule {
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

function rangeOfNode(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** Walked with an explicit stack, in source order: a tree as deep as the user makes it cannot overflow ours. */
function collectSyntaxErrors(root: Node): PySyntaxError[] {
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

function dottedName(node: Node | null): string {
  return node === null ? '' : node.text.replace(/\s+/g, '');
}

/** A `from … import …` statement (plain `import` statements go through extractImports). */
function extractFromImport(node: Node): PyImport | undefined {
  if (node.type === 'import_from_statement' || node.type === 'future_import_statement') {
    const moduleNode = node.childForFieldName('module_name');
    let module = '__future__';
    let level = 0;
    if (moduleNode !== null) {
      if (moduleNode.type === 'relative_import') {
        const prefix = moduleNode.namedChildren.find((c) => c?.type === 'import_prefix');
        level = prefix?.text.length ?? 1;
        module = dottedName(moduleNode.namedChildren.find((c) => c?.type === 'dotted_name') ?? null);
      } else module = dottedName(moduleNode);
    }
    const names: { name: string; alias?: string }[] = [];
    for (const child of node.childrenForFieldName('name')) {
      if (child === null) continue;
      if (child.type === 'aliased_import') {
        const alias = child.childForFieldName('alias')?.text;
        names.push({ name: dottedName(child.childForFieldName('name')), ...(alias !== undefined ? { alias } : {}) });
      } else names.push({ name: dottedName(child) });
    }
    if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) names.push({ name: '*' });
    return { kind: 'from', module, level, names, range: rangeOfNode(node) };
  }
  return undefined;
}

/** `import a, b` yields one PyImport per name. */
function extractImports(node: Node): PyImport[] {
  if (node.type !== 'import_statement') {
    const one = extractFromImport(node);
    return one === undefined ? [] : [one];
  }
  const result: PyImport[] = [];
  for (const child of node.childrenForFieldName('name')) {
    if (child === null) continue;
    const isAliased = child.type === 'aliased_import';
    const alias = isAliased ? child.childForFieldName('alias')?.text : undefined;
    result.push({
      kind: 'import',
      module: dottedName(isAliased ? child.childForFieldName('name') : child),
      level: 0,
      names: [],
      ...(alias !== undefined ? { alias } : {}),
      range: rangeOfNode(node),
    });
  }
  return result;
}

const importTypes = ['import_statement', 'import_from_statement', 'future_import_statement'];
/** Blocks at module level whose imports still run at import time. */
const compoundTypes = new Set(['if_statement', 'try_statement', 'with_statement', 'else_clause', 'elif_clause', 'except_clause', 'finally_clause', 'block']);

function topLevelImports(root: Node, into: PyImport[], depth = 0): void {
  for (const child of root.namedChildren) {
    if (child === null) continue;
    if (importTypes.includes(child.type)) into.push(...extractImports(child));
    else if (depth < 4 && compoundTypes.has(child.type)) topLevelImports(child, into, depth + 1);
  }
}

function calleeText(fn: Node | null): string {
  // `Net()()(x)`: keep the shape readable without the arguments (a loop: the chain can be long).
  let suffix = '';
  let at = fn;
  while (at?.type === 'call' && suffix.length < 64) {
    suffix += '()';
    at = at.childForFieldName('function');
  }
  if (at === null) return suffix === '' ? '' : `${suffix}`;
  if (at.type === 'identifier' || at.type === 'attribute') return `${dottedName(at)}${suffix}`;
  if (at.type === 'call') return `call${suffix}`;
  return `${at.text.length > 60 ? at.type : at.text}${suffix}`;
}

/** How deep expression values are described; deeper parts are `other` (no rule looks that far). */
const maxExprDepth = 16;

function exprOf(node: Node, depth = 0): PyExpr {
  const base = { text: node.text.length > 200 ? `${node.text.slice(0, 200)}…` : node.text, range: rangeOfNode(node) };
  if (depth > maxExprDepth) return { kind: 'other', ...base };
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = node.namedChildren[0];
      return inner === null || inner === undefined ? { kind: 'other', ...base } : exprOf(inner, depth + 1);
    }
    case 'expression_list':
    case 'tuple':
      return { kind: 'tuple', ...base, elements: node.namedChildren.filter((c) => c !== null).map((c) => exprOf(c, depth + 1)) };
    case 'list':
      return { kind: 'list', ...base, elements: node.namedChildren.filter((c) => c !== null).map((c) => exprOf(c, depth + 1)) };
    case 'list_comprehension':
    case 'generator_expression':
      return { kind: 'comprehension', ...base };
    case 'dictionary':
    case 'dictionary_comprehension':
      return { kind: 'dict', ...base };
    case 'call':
      return { kind: 'call', ...base, callee: calleeText(node.childForFieldName('function')) };
    case 'none':
      return { kind: 'none', ...base };
    case 'integer':
      return { kind: 'int', ...base };
    case 'float':
      return { kind: 'float', ...base };
    case 'string':
    case 'concatenated_string':
      return { kind: 'string', ...base };
    case 'true':
    case 'false':
      return { kind: 'bool', ...base };
    case 'identifier':
      return { kind: 'name', ...base };
    case 'attribute':
      return { kind: 'attribute', ...base };
    default:
      return { kind: 'other', ...base };
  }
}

/** `self.a.b` → `a.b`; anything not rooted at `self` → undefined. */
function selfChain(node: Node): string | undefined {
  const parts: string[] = [];
  let at: Node | null = node;
  while (at !== null && at.type === 'attribute') {
    const attr = at.childForFieldName('attribute');
    if (attr === null) return undefined;
    parts.unshift(attr.text);
    at = at.childForFieldName('object');
  }
  return at?.type === 'identifier' && at.text === 'self' && parts.length > 0 ? parts.join('.') : undefined;
}

function extractParams(node: Node | null): PyParam[] {
  const params: PyParam[] = [];
  let keywordOnly = false;
  for (const p of node?.namedChildren ?? []) {
    if (p === null) continue;
    switch (p.type) {
      case 'identifier':
        params.push({ name: p.text, kind: keywordOnly ? 'keywordOnly' : 'positional', hasDefault: false });
        break;
      case 'typed_parameter': {
        const inner = p.namedChildren[0];
        if (inner?.type === 'list_splat_pattern') {
          keywordOnly = true;
          params.push({ name: inner.text.replace(/^\*/, ''), kind: 'varargs', hasDefault: true });
        } else if (inner?.type === 'dictionary_splat_pattern') {
          params.push({ name: inner.text.replace(/^\*\*/, ''), kind: 'kwargs', hasDefault: true });
        } else {
          params.push({ name: inner?.text ?? p.text, kind: keywordOnly ? 'keywordOnly' : 'positional', hasDefault: false });
        }
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        params.push({
          name: p.childForFieldName('name')?.text ?? p.text,
          kind: keywordOnly ? 'keywordOnly' : 'positional',
          hasDefault: true,
        });
        break;
      case 'list_splat_pattern':
        keywordOnly = true;
        params.push({ name: p.text.replace(/^\*/, ''), kind: 'varargs', hasDefault: true });
        break;
      case 'dictionary_splat_pattern':
        params.push({ name: p.text.replace(/^\*\*/, ''), kind: 'kwargs', hasDefault: true });
        break;
      case 'keyword_separator':
        keywordOnly = true;
        break;
      default:
        break;
    }
  }
  return params;
}

interface BodyFacts {
  returns: PyReturn[];
  calls: PyCall[];
  selfCalls: Set<string>;
  selfReads: Set<string>;
  selfWrites: Set<string>;
  imports: PyImport[];
  /** Expression statements that are a single call, for fixes that delete them. */
  callStatements: PyCall[];
  stringSubscripts: { key: string; range: Range }[];
}

function newFacts(): BodyFacts {
  return { returns: [], calls: [], selfCalls: new Set(), selfReads: new Set(), selfWrites: new Set(), imports: [], callStatements: [], stringSubscripts: [] };
}

const assignmentTypes = new Set(['assignment', 'augmented_assignment']);

/** Walks a function body once, collecting everything the rules ask about it. */
function walkBody(body: Node | null, facts: BodyFacts, inNested: boolean): void {
  if (body === null) return;
  // An explicit stack (children pushed in reverse, so facts come in source order): nesting as deep as
  // the user writes it cannot overflow the call stack.
  const stack: [Node, boolean][] = [[body, inNested]];
  const pushChildren = (node: Node, nested: boolean): void => {
    const children = node.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i];
      if (c !== null && c !== undefined) stack.push([c, nested]);
    }
  };
  const visit = (node: Node, nested: boolean): void => {
    switch (node.type) {
      case 'function_definition':
      case 'class_definition':
      case 'lambda':
        // Nested definitions: their calls still count (they may run), their returns do not.
        pushChildren(node, true);
        return;
      case 'return_statement': {
        if (!nested) {
          const value = node.namedChildren[0];
          facts.returns.push(
            value === null || value === undefined ? { range: rangeOfNode(node) } : { range: rangeOfNode(node), value: exprOf(value) },
          );
        }
        break;
      }
      case 'call': {
        const fn = node.childForFieldName('function');
        facts.calls.push({ callee: calleeText(fn), range: rangeOfNode(node) });
        if (fn?.type === 'attribute') {
          const chain = selfChain(fn);
          if (chain !== undefined && !chain.includes('.')) facts.selfCalls.add(chain);
        }
        break;
      }
      case 'attribute': {
        const chain = selfChain(node);
        if (chain !== undefined) {
          const parent = node.parent;
          const isTarget =
            parent !== null &&
            (assignmentTypes.has(parent.type) ? parent.childForFieldName('left')?.equals(node) === true : isInTargetList(node));
          if (isTarget) facts.selfWrites.add(chain);
          else facts.selfReads.add(chain);
          // `self.a.b` also reads `self.a`; the chain is recorded whole, prefixes derive from it.
          return;
        }
        // Not rooted at self: the inner links of the chain are not either, so go straight to its root
        // (visiting each link would walk the chain again from every link: quadratic in its length).
        let root: Node | null = node;
        while (root?.type === 'attribute') root = root.childForFieldName('object');
        if (root !== null) stack.push([root, nested]);
        return;
      }
      case 'subscript': {
        const index = node.childForFieldName('subscript');
        if (index?.type === 'string') {
          const content = index.namedChildren.find((c) => c?.type === 'string_content');
          if (content !== null && content !== undefined && index.namedChildren.every((c) => c?.type !== 'interpolation')) {
            facts.stringSubscripts.push({ key: content.text, range: rangeOfNode(content) });
          }
        }
        break;
      }
      case 'expression_statement': {
        const only = node.namedChildren[0];
        if (node.namedChildCount === 1 && only?.type === 'call') {
          facts.callStatements.push({ callee: calleeText(only.childForFieldName('function')), range: rangeOfNode(node) });
        }
        break;
      }
      default:
        if (importTypes.includes(node.type)) {
          facts.imports.push(...extractImports(node));
          return;
        }
        break;
    }
    pushChildren(node, nested);
  };
  while (stack.length > 0) {
    const [node, nested] = stack.pop() as [Node, boolean];
    visit(node, nested);
  }
}

/** True for `self.x` inside the left side of an assignment: `(self.a, self.b), c = ...`. */
function isInTargetList(node: Node): boolean {
  let at: Node | null = node;
  while (at?.parent !== null && at?.parent !== undefined) {
    const parent: Node = at.parent;
    if (assignmentTypes.has(parent.type)) return parent.childForFieldName('left')?.equals(at) === true;
    if (!['pattern_list', 'tuple_pattern', 'list_pattern', 'parenthesized_expression', 'tuple', 'expression_list', 'list'].includes(parent.type)) {
      return false;
    }
    at = parent;
  }
  return false;
}

/** What function bodies contribute to their module: nested imports and call statements. */
interface ModuleSink {
  readonly imports: PyImport[];
  readonly callStatements: PyCall[];
}

function extractFunction(node: Node, decorators: string[], detail: PyModule['detail'], sink: ModuleSink): PyFunction {
  const nameNode = node.childForFieldName('name');
  const facts = newFacts();
  if (detail === 'full') walkBody(node.childForFieldName('body'), facts, false);
  sink.imports.push(...facts.imports);
  sink.callStatements.push(...facts.callStatements);
  return {
    name: nameNode?.text ?? '',
    range: rangeOfNode(node),
    nameRange: rangeOfNode(nameNode ?? node),
    params: detail === 'full' ? extractParams(node.childForFieldName('parameters')) : [],
    decorators,
    isAsync: node.children[0]?.type === 'async',
    returns: facts.returns,
    calls: facts.calls,
    selfCalls: [...facts.selfCalls],
    selfReads: [...facts.selfReads],
    selfWrites: [...facts.selfWrites],
    stringSubscripts: facts.stringSubscripts,
  };
}

function unwrapDecorated(node: Node): { def: Node; decorators: string[] } {
  if (node.type !== 'decorated_definition') return { def: node, decorators: [] };
  const decorators = node.namedChildren
    .filter((c) => c?.type === 'decorator')
    .map((c) => (c?.text ?? '').replace(/^@\s*/, '').split('(')[0]?.trim() ?? '');
  return { def: node.childForFieldName('definition') ?? node, decorators };
}

function assignedNames(node: Node): string[] {
  const stmt = node.type === 'expression_statement' ? node.namedChildren[0] : node;
  if (stmt === null || stmt === undefined || stmt.type !== 'assignment') return [];
  const left = stmt.childForFieldName('left');
  if (left === null) return [];
  if (left.type === 'identifier') return [left.text];
  return left.namedChildren.filter((c) => c?.type === 'identifier').map((c) => c?.text ?? '');
}

function extractClass(node: Node, detail: PyModule['detail'], sink: ModuleSink): PyClass {
  const nameNode = node.childForFieldName('name');
  const bases = (node.childForFieldName('superclasses')?.namedChildren ?? [])
    .filter((c): c is Node => c !== null && c.type !== 'keyword_argument')
    .map((c) => dottedName(c));
  const shell = { name: nameNode?.text ?? '', range: rangeOfNode(node), nameRange: rangeOfNode(nameNode ?? node), bases, lastLine: node.endPosition.row };
  // Outlines skip class bodies: only files the rules inspect (full detail) need their members, and
  // walking every body of every file would cost as much as parsing it.
  if (detail === 'outline') return { ...shell, methods: [], classAssigns: [], bodyIndent: '    ' };
  const body = node.childForFieldName('body');
  const methods: PyFunction[] = [];
  const classAssigns: string[] = [];
  let bodyIndent = '    ';
  const firstStatement = body?.namedChildren[0];
  if (firstStatement !== null && firstStatement !== undefined) {
    bodyIndent = ' '.repeat(firstStatement.startPosition.column);
  }
  for (const child of body?.namedChildren ?? []) {
    if (child === null) continue;
    const { def, decorators } = unwrapDecorated(child);
    if (def.type === 'function_definition') methods.push(extractFunction(def, decorators, detail, sink));
    else classAssigns.push(...assignedNames(child));
  }
  return { ...shell, methods, classAssigns, bodyIndent };
}

function extractModule(root: Node, detail: PyModule['detail']): PyModule {
  const imports: PyImport[] = [];
  topLevelImports(root, imports);
  const classes: PyClass[] = [];
  const functions: PyFunction[] = [];
  const assigns: string[] = [];
  const calls: PyCall[] = [];
  const sink: ModuleSink = { imports, callStatements: [] };
  for (const child of root.namedChildren) {
    if (child === null) continue;
    const { def, decorators } = unwrapDecorated(child);
    if (def.type === 'class_definition') classes.push(extractClass(def, detail, sink));
    else if (def.type === 'function_definition') functions.push(extractFunction(def, decorators, detail, sink));
    else {
      assigns.push(...assignedNames(child));
      if (detail === 'full' && !importTypes.includes(child.type)) {
        const facts = newFacts();
        walkBody(child, facts, true);
        calls.push(...facts.calls);
        sink.imports.push(...facts.imports);
        sink.callStatements.push(...facts.callStatements);
      }
    }
  }
  for (const fn of [...functions, ...classes.flatMap((c) => c.methods)]) calls.push(...fn.calls);
  const unique = new Map<string, PyImport>();
  for (const imp of imports) unique.set(`${imp.range.start.line}:${imp.range.start.character}:${imp.module}:${imp.alias ?? ''}`, imp);
  return {
    detail,
    syntaxErrors: root.hasError ? collectSyntaxErrors(root) : [],
    imports: [...unique.values()],
    classes,
    functions,
    calls,
    assigns,
    callStatements: sink.callStatements,
  };
}
