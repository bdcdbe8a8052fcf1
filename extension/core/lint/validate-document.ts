import { parseJsonDocument } from '../config/json-document';
import { isSlaFileName, oakestraSlaSchema } from '../config/oakestra-sla';
import type { ProjectRuleOptions } from '../config/project-rules';
import { parseWithIssues } from '../config/schema-issues';
import { checkSlaSemantics, slaChecks } from '../config/sla-checks';
import { formatJsonPath } from '../config/unknown-keys';
import { compareFindings, rangeOf, type Finding, type Severity } from '../findings/finding';
import { maxDocumentBytes, parseProjectInput } from '../config/project-input';
import { allRules } from './rules/all-rules';
import { projectFileIssues, sentence } from './rules/project-config';

/**
 * `flops validate` and the editor's SLA diagnostics: one JSON document, a project file or an Oakestra
 * SLA, checked with the same schemas and rules as everywhere else, as findings.
 */

export type DocumentKind = 'project' | 'sla';

const slaKeys = ['sla_version', 'applications'];
const projectKeys = ['ml_repo_url', 'ml_model_flavor', 'training_configuration', 'post_training_steps', 'supported_platforms', 'flower', 'simulation', 'target', 'lint'];

/**
 * What a document is, by content first (an SLA has `sla_version` or `applications`; a project file has
 * FLOps project keys), then by name (`*.sla.json`, `sla*.json`); anything else is a project file.
 */
export function detectDocumentKind(fileName: string, value: unknown): DocumentKind {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((k) => slaKeys.includes(k))) return 'sla';
    if (keys.some((k) => projectKeys.includes(k))) return 'project';
  }
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return isSlaFileName(base) ? 'sla' : 'project';
}

export interface SlaFindingOptions {
  /**
   * Include the schema layer (JSON syntax and Oakestra's validator). The editor leaves it out: VS Code's
   * JSON language service already reports it from the same JSON Schema.
   */
  readonly schema: boolean;
}

/** Findings for an Oakestra SLA; `file` is only copied into them. Never throws. */
export function slaFindings(file: string, text: string, options: SlaFindingOptions): Finding[] {
  const finding = (check: keyof typeof slaChecks, range: Finding['range'], message: string, severity: Severity = slaChecks[check].severity): Finding => ({
    rule: slaChecks[check].id,
    severity,
    file,
    range,
    message,
    fixes: [],
  });
  if (text.length > maxDocumentBytes) {
    return options.schema ? [finding('schema', rangeOf(0, 0, 0, 1), `${file} is ${(text.length / (1024 * 1024)).toFixed(1)} MB; an SLA is a small JSON document, so it is not parsed (limit 1 MB).`)] : [];
  }
  const doc = parseJsonDocument(text);
  if (doc.syntaxError !== undefined) return options.schema ? [finding('schema', doc.syntaxError.range, `${file} is not valid JSON: ${doc.syntaxError.message}.`)] : [];
  const findings: Finding[] = [];
  if (options.schema) {
    for (const issue of parseWithIssues(oakestraSlaSchema, doc.value).issues) {
      findings.push(finding('schema', doc.locate(issue.path), sentence(`${issue.path.length > 0 ? `${formatJsonPath(issue.path)}: ` : ''}${issue.message}`)));
    }
  }
  for (const issue of checkSlaSemantics(doc.value)) findings.push(finding(issue.check, doc.locate(issue.path), issue.message, issue.severity));
  for (const duplicate of doc.duplicateKeys()) {
    const where = duplicate.path.length > 0 ? ` in ${formatJsonPath(duplicate.path)}` : '';
    findings.push(finding('unknownKey', duplicate.range, `Key "${duplicate.key}" appears twice${where}; only the last one counts. Remove this one.`));
  }
  return findings.sort(compareFindings);
}

export interface ValidateOptions extends ProjectRuleOptions {
  /** Path shown in findings (and used to recognise SLAs by name). */
  readonly file: string;
  /** The file's bytes start with a UTF-8 byte-order mark that `text` no longer has. */
  readonly byteOrderMark?: boolean;
}

/** Validates a project file or an SLA, recognised by `detectDocumentKind`. Never throws. */
export function validateDocument(text: string, options: ValidateOptions): { kind: DocumentKind; findings: Finding[] } {
  const { file } = options;
  const value = text.length > maxDocumentBytes ? undefined : parseJsonDocument(text).value;
  const kind = detectDocumentKind(file, value);
  if (kind === 'sla') return { kind, findings: slaFindings(file, text, { schema: true }) };
  const project = parseProjectInput(file, text, { byteOrderMark: options.byteOrderMark === true });
  const override = project.config?.lint.rules['flops/project-config'];
  if (override === 'off') return { kind, findings: [] };
  // The same project checks as `flops lint` and the editor, unknown rule ids included.
  const findings = projectFileIssues(project, { knownRules: new Set(allRules.map((r) => r.meta.id)), ...options }).map(
    (issue): Finding => ({
      rule: 'flops/project-config',
      severity: override ?? issue.severity ?? 'error',
      file,
      range: issue.range,
      message: issue.message,
      fixes: [],
    }),
  );
  return { kind, findings: findings.sort(compareFindings) };
}

/**
 * A finding for a document that cannot be checked at all (too large, not text), under the rule of the
 * kind its name suggests.
 */
export function unreadableDocumentFinding(file: string, message: string): Finding {
  const kind = detectDocumentKind(file, undefined);
  return { rule: kind === 'sla' ? slaChecks.schema.id : 'flops/project-config', severity: 'error', file, range: rangeOf(0, 0, 0, 0), message, fixes: [] };
}
