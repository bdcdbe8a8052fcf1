import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type {
  PyCall,
  PyClass,
  PyFunction,
  PyImport,
  PyModule,
  PyReturn,
} from '../core/python/python-model';
import type { Range } from '../core/findings/finding';
import { calleeText, dottedName, exprOf, extractParams, selfChain } from './python-expressions';
import { collectSyntaxErrors, rangeOfNode, tooDeepBrackets, tooDeepModule, universalNewlines } from './python-syntax';

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
