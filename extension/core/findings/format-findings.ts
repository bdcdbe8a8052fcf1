import type { Finding, Severity } from './finding';

/**
 * The CLI's output formats. `json` is the documented machine format (1-based line and column, file
 * relative to the linted folder); `sarif` is SARIF 2.1.0 for code-scanning uploads.
 */

export interface JsonFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export function toJsonReport(findings: readonly Finding[]): { findings: JsonFinding[] } {
  return {
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.file,
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      message: f.message,
    })),
  };
}

const sarifLevel: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** What SARIF says about a rule (a lint rule's metadata has these fields). */
export interface SarifRule {
  readonly id: string;
  readonly title: string;
  readonly why: string;
  readonly fix: string;
  readonly severity: Severity;
}

export function toSarifReport(findings: readonly Finding[], rules: readonly SarifRule[], tool: { name: string; version: string; informationUri: string }): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            informationUri: tool.informationUri,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/^flops\//, '').replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: `${r.title} ${r.why}` },
              help: { text: `${r.why} Fix: ${r.fix}` },
              defaultConfiguration: { level: sarifLevel[r.severity] },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results: findings.map((f) => ({
          ruleId: f.rule,
          ...(index.has(f.rule) ? { ruleIndex: index.get(f.rule) } : {}),
          level: sarifLevel[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file), uriBaseId: 'SRCROOT' },
                region: {
                  startLine: f.range.start.line + 1,
                  startColumn: f.range.start.character + 1,
                  endLine: f.range.end.line + 1,
                  endColumn: Math.max(f.range.end.character + 1, f.range.end.line === f.range.start.line ? f.range.start.character + 1 : 1),
                },
              },
            },
          ],
        })),
      },
    ],
  };
}

export interface TextStyle {
  readonly color: boolean;
}

const colors: Record<Severity, string> = { error: '\u001b[31m', warning: '\u001b[33m', info: '\u001b[36m' };

/** Human-readable report: one `file:line:col severity message [rule]` line per finding and a summary. */
export function toTextReport(findings: readonly Finding[], style: TextStyle): string {
  const paint = (s: string, code: string): string => (style.color ? `${code}${s}\u001b[0m` : s);
  const lines = findings.map(
    (f) =>
      `${paint(`${f.file}:${f.range.start.line + 1}:${f.range.start.character + 1}`, '\u001b[1m')} ${paint(f.severity, colors[f.severity])} ${f.message} ${paint(`[${f.rule}]`, '\u001b[2m')}`,
  );
  const count = (s: Severity): number => findings.filter((f) => f.severity === s).length;
  const summary =
    findings.length === 0
      ? 'No problems found.'
      : `${count('error')} error${count('error') === 1 ? '' : 's'}, ${count('warning')} warning${count('warning') === 1 ? '' : 's'}, ${count('info')} info.`;
  return [...lines, summary].join('\n') + '\n';
}
