import { LineCounter, parseDocument, type Document } from 'yaml';
import { rangeOf, type Range } from '../findings/finding';

/** A YAML file with the positions its rules need. */
export interface YamlInput {
  readonly path: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

export function parseYamlInput(path: string, text: string): YamlInput {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  return { path, text, doc, lineCounter };
}

/** Range of the character offsets `[from, to)` of a YAML input. */
export function yamlRange(input: YamlInput, from: number, to: number): Range {
  const start = input.lineCounter.linePos(from);
  const end = input.lineCounter.linePos(Math.max(from, to));
  return rangeOf(start.line - 1, start.col - 1, end.line - 1, end.col - 1);
}
