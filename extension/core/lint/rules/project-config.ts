import { projectFileSchema } from '../../config/project-file';
import { checkProjectRules, type ProjectRuleOptions } from '../../config/project-rules';
import { findUnknownKeys, formatJsonPath, type UnknownKey } from '../../config/unknown-keys';
import { rangeOf, type Fix, type Range, type Severity } from '../../findings/finding';
import type { ProjectInput } from '../../config/project-input';
import type { Rule, RuleReport } from '../rule';

/** Ends a message with a full stop unless it already ends a sentence. */
export function sentence(message: string): string {
  return /[.?!]$/.test(message) ? message : `${message}.`;
}

/** The message for a key the schema does not declare, with the likely intended key. */
export function unknownKeyMessage(entry: UnknownKey, consequence: string): string {
  const where = entry.path.length > 0 ? ` in ${formatJsonPath(entry.path)}` : '';
  if (entry.knownUnder !== undefined) return `Key "${entry.key}"${where} is ignored here: it applies only to "${entry.knownUnder}".`;
  return `Unknown key "${entry.key}"${where}; ${consequence}.${entry.suggestion !== undefined ? ` Did you mean "${entry.suggestion}"?` : ''}`;
}

export interface LocatedIssue {
  readonly range: Range;
  readonly message: string;
  /** Absent: the rule's severity (error). */
  readonly severity?: Severity;
  readonly fixes?: readonly Fix[];
}

/** The object at `path` of a parsed JSON value, if there is one (own keys only). */
function objectAt(value: unknown, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  let node = value;
  for (const key of path) node = typeof node === 'object' && node !== null && Object.hasOwn(node, key) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>) : undefined;
}

/**
 * Everything wrong with a project file, located: invalid JSON, schema violations, unknown and duplicate
 * keys, and the cross-field rules. Shared by `flops/project-config` and `flops validate`.
 */
export function projectFileIssues(project: ProjectInput, options: ProjectRuleOptions): LocatedIssue[] {
  if (project.syntaxError !== undefined) return [{ range: project.syntaxError.range, message: project.syntaxError.message }];
  const issues: LocatedIssue[] = [];
  if (project.byteOrderMark) {
    const content = project.text.charCodeAt(0) === 0xfeff ? project.text.slice(1) : project.text;
    issues.push({
      range: rangeOf(0, 0, 0, 1),
      message: `${project.path} starts with a UTF-8 byte-order mark, which Python's json.loads rejects ("Unexpected UTF-8 BOM"). Save it as UTF-8 without BOM.`,
      severity: 'warning',
      fixes: [{ title: 'Remove the byte-order mark', edits: [{ kind: 'rewrite', file: project.path, content }] }],
    });
  }
  issues.push(...project.issues.map((issue) => ({
    range: project.locate(issue.path),
    message: sentence(`${issue.path.length > 0 ? `${formatJsonPath(issue.path)}: ` : ''}${issue.message}`),
  })));
  for (const entry of findUnknownKeys(projectFileSchema, project.value)) {
    const range = project.locate([...entry.path, entry.key]);
    // Renaming to the suggestion is safe only when the object does not have that key already.
    const holder = objectAt(project.value, entry.path);
    const rename = entry.suggestion !== undefined && !(holder !== undefined && Object.hasOwn(holder, entry.suggestion)) ? entry.suggestion : undefined;
    const fixes: Fix[] = rename === undefined ? [] : [{ title: `Rename to "${rename}"`, edits: [{ kind: 'replace', file: project.path, range, text: JSON.stringify(rename) }] }];
    issues.push({ range, message: unknownKeyMessage(entry, 'FLOps and this extension ignore it'), severity: 'warning', fixes });
  }
  for (const duplicate of project.document?.duplicateKeys() ?? []) {
    const where = duplicate.path.length > 0 ? ` in ${formatJsonPath(duplicate.path)}` : '';
    issues.push({ range: duplicate.range, message: `Key "${duplicate.key}" appears twice${where}; only the last one counts. Remove this one.`, severity: 'warning' });
  }
  if (project.config !== undefined) {
    const rules = objectAt(project.value, ['lint', 'rules']);
    const checked = rules === undefined ? options : { ...options, writtenRuleIds: Object.keys(rules) };
    for (const issue of checkProjectRules(project.config, checked)) issues.push({ range: project.locate(issue.path), message: issue.message, severity: issue.severity });
  }
  return issues;
}

export const projectConfig: Rule = {
  meta: {
    id: 'flops/project-config',
    severity: 'error',
    needs: ['config'],
    title: 'flops.json is valid JSON, matches the schema, and satisfies the cross-field rules.',
    why: 'Upstream checks only enums and types: a violation either fails the REST call or makes the project wait forever (e.g. Flower waiting for more learners than are deployed).',
    fix: 'Make the matching edit in flops.json.',
  },
  check(ctx) {
    const project = ctx.project;
    if (project === undefined) return [];
    // The project file sits at the repo root, so its relative paths are repo paths; paths the listing
    // cannot see (outside the repo) are not judged.
    const fileExists = (relative: string): boolean | undefined => ctx.paths.has(relative);
    return projectFileIssues(project, { knownRules: ctx.knownRules, fileExists }).map(
      (issue): RuleReport => ({
        file: project.path,
        range: issue.range,
        message: issue.message,
        ...(issue.severity !== undefined ? { severity: issue.severity } : {}),
        ...(issue.fixes !== undefined ? { fixes: issue.fixes } : {}),
      }),
    );
  },
};
