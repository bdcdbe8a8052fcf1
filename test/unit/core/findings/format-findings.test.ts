import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { rangeOf, type Finding } from '../../../../extension/core/findings/finding';
import { toJsonReport, toSarifReport, toTextReport } from '../../../../extension/core/findings/format-findings';
import type { RuleMeta } from '../../../../extension/core/lint/rule';

const findings: Finding[] = [
  { rule: 'flops/python-syntax', severity: 'error', file: 'model_manager.py', range: rangeOf(43, 8, 43, 20), message: 'Python syntax error.', fixes: [] },
  { rule: 'flops/reserved-file', severity: 'warning', file: 'my utils/__init__.py', range: rangeOf(0, 0), message: 'Reserved name.', fixes: [] },
  { rule: 'flops/unpushed-changes', severity: 'info', file: 'flops.json', range: rangeOf(1, 2, 1, 15), message: 'Not pushed.', fixes: [] },
];

const meta = (id: RuleMeta['id'], severity: RuleMeta['severity']): RuleMeta => ({ id, severity, needs: [], title: `${id} title.`, why: 'Why.', fix: 'Fix.' });
const rules: RuleMeta[] = [meta('flops/python-syntax', 'error'), meta('flops/unpushed-changes', 'info')];
const tool = { name: 'flops', version: '9.9.9', informationUri: 'https://example.org/flops' };

interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> } }[];
}
interface SarifLog {
  version: string;
  $schema: string;
  runs: { tool: { driver: { name: string; version: string; rules: { id: string; name: string; defaultConfiguration: { level: string } }[] } }; results: SarifResult[] }[];
}

describe('format-findings', () => {
  describe('toJsonReport', () => {
    it('gives exactly rule, severity, file, line, column, message, with 1-based positions', () => {
      const report = toJsonReport(findings);
      assert.deepEqual(Object.keys(report), ['findings']);
      for (const f of report.findings) assert.deepEqual(Object.keys(f), ['rule', 'severity', 'file', 'line', 'column', 'message']);
      assert.deepEqual(report.findings[0], {
        rule: 'flops/python-syntax',
        severity: 'error',
        file: 'model_manager.py',
        line: 44,
        column: 9,
        message: 'Python syntax error.',
      });
    });

    it('gives an empty list for no findings', () => {
      assert.deepEqual(toJsonReport([]), { findings: [] });
    });
  });

  describe('toSarifReport', () => {
    const sarif = toSarifReport(findings, rules, tool) as SarifLog;
    const run = sarif.runs[0];

    it('is SARIF 2.1.0 with the tool and every rule given', () => {
      assert.equal(sarif.version, '2.1.0');
      assert.match(sarif.$schema, /sarif-2\.1\.0/);
      assert.ok(run);
      assert.equal(run.tool.driver.name, 'flops');
      assert.equal(run.tool.driver.version, '9.9.9');
      assert.deepEqual(run.tool.driver.rules.map((r) => [r.id, r.name, r.defaultConfiguration.level]), [
        ['flops/python-syntax', 'pythonSyntax', 'error'],
        ['flops/unpushed-changes', 'unpushedChanges', 'note'],
      ]);
    });

    it('maps severities to levels and points ruleIndex at known rules only', () => {
      assert.deepEqual(
        run?.results.map((r) => [r.ruleId, r.level, r.ruleIndex]),
        [
          ['flops/python-syntax', 'error', 0],
          ['flops/reserved-file', 'warning', undefined],
          ['flops/unpushed-changes', 'note', 1],
        ],
      );
    });

    it('gives relative, URI-encoded artifact locations and 1-based regions', () => {
      const [syntax, reserved] = run?.results ?? [];
      assert.deepEqual(syntax?.locations[0]?.physicalLocation.region, { startLine: 44, startColumn: 9, endLine: 44, endColumn: 21 });
      assert.equal(reserved?.locations[0]?.physicalLocation.artifactLocation.uri, 'my%20utils/__init__.py');
      // An empty range still has an end column at or after its start column (SARIF §3.30.2).
      assert.deepEqual(reserved.locations[0].physicalLocation.region, { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 });
    });
  });

  describe('toTextReport', () => {
    it('writes one file:line:col line per finding and a summary, without escapes when colour is off', () => {
      const text = toTextReport(findings, { color: false });
      assert.equal(
        text,
        [
          'model_manager.py:44:9 error Python syntax error. [flops/python-syntax]',
          'my utils/__init__.py:1:1 warning Reserved name. [flops/reserved-file]',
          'flops.json:2:3 info Not pushed. [flops/unpushed-changes]',
          '1 error, 1 warning, 1 info.',
          '',
        ].join('\n'),
      );
    });

    it('colours severities when asked, and only then', () => {
      const coloured = toTextReport(findings, { color: true });
      assert.ok(coloured.includes('\u001b[31merror\u001b[0m'), JSON.stringify(coloured));
      // Colour codes only wrap text: without them the report is the plain one.
      assert.equal(stripVTControlCharacters(coloured), toTextReport(findings, { color: false }));
    });

    it('pluralises the summary and says so when there is nothing to report', () => {
      const two = [findings[0], findings[0]].filter((f): f is Finding => f !== undefined);
      assert.match(toTextReport(two, { color: false }), /\n2 errors, 0 warnings, 0 info\.\n$/);
      assert.equal(toTextReport([], { color: false }), 'No problems found.\n');
    });
  });
});
