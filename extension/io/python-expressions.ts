import type { Node } from 'web-tree-sitter';
import type { PyExpr, PyParam } from '../core/python/python-model';
import { rangeOfNode } from './python-syntax';

/** Expressions, call targets and parameters of the tree-sitter tree in the lint model's terms (python-analyzer.ts). */

export function dottedName(node: Node | null): string {
  return node === null ? '' : node.text.replace(/\s+/g, '');
}

/** A `from … import …` statement (plain `import` statements go through extractImports). */

export function calleeText(fn: Node | null): string {
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

export function exprOf(node: Node, depth = 0): PyExpr {
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
export function selfChain(node: Node): string | undefined {
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

export function extractParams(node: Node | null): PyParam[] {
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
