import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { Range } from '../findings/finding';
import { yamlRange, type YamlInput } from './yaml-input';

/** One dependency line of conda.yaml, with where it stands. */
export interface CondaDependency {
  readonly spec: string;
  readonly name: string;
  /** Version constraint as written after the name: `=3.10.14`, `==2.1`, `>=1,<2`, or ''. */
  readonly constraint: string;
  readonly source: 'conda' | 'pip';
  readonly range: Range;
}

/** Parses `name[=|==|>=…]version` (conda and pip syntax alike); channel prefixes are dropped. */
export function parseSpec(spec: string): { name: string; constraint: string } {
  const trimmed = spec.trim().replace(/^[\w.-]+::/, '');
  const match = /^([A-Za-z0-9_.\-[\]]+)\s*(.*)$/.exec(trimmed);
  const name = (match?.[1] ?? trimmed).replace(/\[.*\]$/, '').toLowerCase().replace(/_/g, '-');
  return { name, constraint: (match?.[2] ?? '').trim() };
}

/**
 * The value of `key` in a YAML mapping as conda sees it: conda reads environment files with PyYAML,
 * which keeps the last of duplicate keys (the yaml library's `get` returns the first).
 */
export function lastValueOf(map: YAMLMap, key: string): Node | null | undefined {
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (isScalar(pair?.key) && pair.key.value === key) return pair.value as Node | null;
  }
  return undefined;
}

/** Keys given twice in one mapping, anywhere in the document (walked without recursion): the later ones. */
export function duplicateYamlKeys(root: unknown): { key: string; node: Node }[] {
  const found: { key: string; node: Node }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value)) found.push({ key: String(pair.key.value), node: pair.key });
          seen.add(pair.key.value);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return found;
}

/** The dependencies of a parsed conda.yaml that has the expected shape; otherwise []. */
export function condaDependencies(input: YamlInput): CondaDependency[] {
  const root = input.doc.contents;
  if (!isMap(root)) return [];
  const deps = lastValueOf(root, 'dependencies');
  if (!isSeq(deps)) return [];
  const result: CondaDependency[] = [];
  const push = (item: unknown, source: 'conda' | 'pip'): void => {
    if (!isScalar(item) || typeof item.value !== 'string' || item.range === undefined || item.range === null) return;
    const { name, constraint } = parseSpec(item.value);
    result.push({ spec: item.value, name, constraint, source, range: yamlRange(input, item.range[0], item.range[1]) });
  };
  for (const item of deps.items) {
    if (isMap(item)) {
      const pip = lastValueOf(item, 'pip');
      if (isSeq(pip)) for (const p of pip.items) push(p, 'pip');
    } else push(item, 'conda');
  }
  return result;
}

export { compareVersions } from '../versions';
