import { parseJsonDocument, type JsonDocument } from './json-document';
import { projectFileSchema, type ProjectFile } from './project-file';
import { parseWithIssues, type SchemaIssue } from './schema-issues';
import { rangeOf, type Range } from '../findings/finding';

export const projectFileName = 'flops.json';

/** Project files and SLAs are a few KB; anything this large is not parsed (and is surely not one). */
export const maxDocumentBytes = 1024 * 1024;

export type ProjectIssue = SchemaIssue;

/** A project file as the linter sees it: parsed when valid, with a way to locate any JSON path. */
export interface ProjectInput {
  readonly path: string;
  readonly text: string;
  /** The parsed JSON (before the schema), `undefined` when the text is not JSON. */
  readonly value: unknown;
  /** The parsed file with defaults applied; absent when the JSON or its schema is invalid. */
  readonly config: ProjectFile | undefined;
  /** Why the file could not be parsed at all (invalid JSON, too large): where and why. */
  readonly syntaxError: { readonly range: Range; readonly message: string } | undefined;
  /** Schema violations, each with its JSON path. */
  readonly issues: readonly ProjectIssue[];
  /** Positions of keys and values; `undefined` when the file was not parsed. */
  readonly document: JsonDocument | undefined;
  /** The file starts with a UTF-8 byte-order mark (which `text` does not hold). */
  readonly byteOrderMark: boolean;
  /** The range of the key at `path` (the value for array items), or of the deepest existing parent. */
  locate(path: readonly PropertyKey[]): Range;
}

/** Parses a project file. Never throws: every problem becomes `syntaxError` or `issues`. */
export function parseProjectInput(path: string, text: string, options: { readonly byteOrderMark?: boolean } = {}): ProjectInput {
  const byteOrderMark = options.byteOrderMark === true || text.charCodeAt(0) === 0xfeff;
  if (text.length > maxDocumentBytes) {
    const megabytes = (text.length / (1024 * 1024)).toFixed(1);
    const first = rangeOf(0, 0, 0, 1);
    return {
      path,
      text,
      value: undefined,
      config: undefined,
      syntaxError: { range: first, message: `${path} is ${megabytes} MB; a project file is a small JSON document, so it is not parsed (limit 1 MB).` },
      issues: [],
      document: undefined,
      byteOrderMark,
      locate: () => first,
    };
  }
  const document = parseJsonDocument(text);
  const syntaxError = document.syntaxError === undefined ? undefined : { range: document.syntaxError.range, message: `${path} is not valid JSON: ${document.syntaxError.message}.` };
  const { data, issues } = syntaxError === undefined ? parseWithIssues(projectFileSchema, document.value) : { data: undefined, issues: [] };
  return { path, text, value: document.value, config: data, syntaxError, issues, document, byteOrderMark, locate: (p) => document.locate(p) };
}
