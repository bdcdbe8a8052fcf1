/** Zero-based position, UTF-16 code units: the convention of VS Code and tree-sitter's JS binding. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export type RuleId = `flops/${string}`;

/** A change to the user's files that a quick fix applies; computed by the core, applied by the UI. */
export type FileEdit =
  | { readonly kind: 'create'; readonly file: string; readonly content: string }
  | { readonly kind: 'replace'; readonly file: string; readonly range: Range; readonly text: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string }
  /** The whole file replaced by `content`, written as UTF-8 without a byte-order mark. */
  | { readonly kind: 'rewrite'; readonly file: string; readonly content: string };

export interface Fix {
  readonly title: string;
  readonly edits: readonly FileEdit[];
}

/**
 * One lint result. `file` is relative to the repo root with `/` separators; a missing file is reported
 * on the file that stands in for it (see the rule catalogue: project file, misplaced candidate).
 */
export interface Finding {
  readonly rule: RuleId;
  readonly severity: Severity;
  readonly file: string;
  readonly range: Range;
  readonly message: string;
  readonly fixes: readonly Fix[];
}

export const wholeFirstLine: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function rangeOf(line: number, character: number, endLine = line, endCharacter = character): Range {
  return { start: { line, character }, end: { line: endLine, character: endCharacter } };
}

const severityOrder: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Stable order for every output: file, then position, then rule. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    severityOrder[a.severity] - severityOrder[b.severity] ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}
