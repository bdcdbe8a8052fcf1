import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { projectFileSchema, type ProjectFile } from '../config/project-file';
import { rangeOf, type Range } from './finding';

export const projectFileName = 'flops.json';

export interface ProjectIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** A project file as the linter sees it: parsed when valid, with a way to locate any JSON path. */
export interface ProjectInput {
  readonly path: string;
  readonly text: string;
  /** The parsed file with defaults applied; absent when the JSON or its schema is invalid. */
  readonly config: ProjectFile | undefined;
  /** Invalid JSON: where and why. */
  readonly syntaxError: { readonly range: Range; readonly message: string } | undefined;
  /** Schema violations, each with its JSON path. */
  readonly issues: readonly ProjectIssue[];
  /** The range of the key at `path` (the value for array items), or of the deepest existing parent. */
  locate(path: readonly PropertyKey[]): Range;
}

function offsetToRange(text: string, from: number, to: number): Range {
  const counter = new LineCounter();
  let at = 0;
  for (const line of text.split('\n')) {
    counter.addNewLine(at);
    at += line.length + 1;
  }
  const start = counter.linePos(from);
  const end = counter.linePos(to);
  return rangeOf(start.line - 1, start.col - 1, end.line - 1, end.col - 1);
}

/** Node's JSON.parse messages carry "position N" (Node 20) or "(line L column C)" (Node 22+). */
function jsonErrorRange(text: string, message: string): Range {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol !== null) {
    const line = Number(lineCol[1]) - 1;
    const character = Number(lineCol[2]) - 1;
    return rangeOf(line, character, line, character + 1);
  }
  const position = /position (\d+)/.exec(message);
  const offset = position === null ? text.length : Math.min(Number(position[1]), text.length);
  return offsetToRange(text, offset, Math.min(offset + 1, text.length));
}

/** Parses a project file. Never throws: every problem becomes `syntaxError` or `issues`. */
export function parseProjectInput(path: string, text: string): ProjectInput {
  let json: unknown;
  let syntaxError: ProjectInput['syntaxError'];
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    syntaxError = { range: jsonErrorRange(text, message), message: `${path} is not valid JSON: ${message}` };
  }
  // YAML is a superset of JSON, so its parser gives us source ranges for every key and value.
  const lineCounter = new LineCounter();
  const doc = syntaxError === undefined ? parseDocument(text, { lineCounter }) : undefined;

  const locate = (jsonPath: readonly PropertyKey[]): Range => {
    let node: Node | null | undefined = doc?.contents ?? undefined;
    let best: [number, number] = [0, 0];
    const span = (n: Node | null | undefined): [number, number] | undefined => (n?.range ? [n.range[0], n.range[1]] : undefined);
    const rootSpan = span(node);
    if (rootSpan !== undefined) best = [rootSpan[0], rootSpan[0] + 1];
    for (const key of jsonPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        if (pair === undefined) break;
        best = span(pair.key as Node) ?? best;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key] as Node | undefined;
        const itemSpan = span(item);
        if (itemSpan === undefined) break;
        best = itemSpan;
        node = item;
      } else break;
    }
    const start = lineCounter.linePos(best[0]);
    const end = lineCounter.linePos(best[1]);
    return rangeOf(start.line - 1, start.col - 1, end.line - 1, end.col - 1);
  };

  let config: ProjectFile | undefined;
  const issues: ProjectIssue[] = [];
  if (syntaxError === undefined) {
    const parsed = projectFileSchema.safeParse(json);
    if (parsed.success) config = parsed.data;
    else for (const issue of parsed.error.issues) issues.push({ path: issue.path, message: issue.message });
  }
  return { path, text, config, syntaxError, issues, locate };
}
