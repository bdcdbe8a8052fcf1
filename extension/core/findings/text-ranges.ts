import { rangeOf, type Range } from './finding';

/**
 * Ranges for fixes that must be valid positions in the document: VS Code rejects a WorkspaceEdit whose
 * range starts past the last line ("Illegal argument"), and a file may lack a final newline.
 */

/** Whole lines `[from, to)`, including the line break after them when there is one. */
export function wholeLines(text: string, from: number, to: number): Range {
  const lines = text.split('\n');
  if (to < lines.length) return rangeOf(from, 0, to, 0);
  const last = lines.length - 1;
  // No line after the block: end at the end of the text and take the break before it instead.
  if (from > 0) return rangeOf(from - 1, lines[from - 1]?.length ?? 0, last, lines[last]?.length ?? 0);
  return rangeOf(0, 0, last, lines[last]?.length ?? 0);
}

/** Where to insert `text` as new lines after line `line`: the position, and the text to insert there. */
export function insertAfter(source: string, line: number, text: string): { range: Range; text: string } {
  const lines = source.split('\n');
  if (line + 1 < lines.length) return { range: rangeOf(line + 1, 0), text };
  const last = lines.length - 1;
  const end = lines[last]?.length ?? 0;
  return { range: rangeOf(last, end), text: end > 0 ? `\n${text}` : text };
}
