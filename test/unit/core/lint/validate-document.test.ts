import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { detectDocumentKind, slaFindings, validateDocument } from '../../../../extension/core/lint/validate-document';
import { repoRoot } from '../../repo-paths';

const fixture = (name: string): string => readFileSync(path.join(repoRoot, 'test/fixtures/sla', name), 'utf8');

describe('validateDocument (flops validate)', () => {
  it('tells SLAs from project files by content, then by name', () => {
    assert.equal(detectDocumentKind('x.json', { sla_version: 'v2.0' }), 'sla');
    assert.equal(detectDocumentKind('x.json', { applications: [] }), 'sla');
    assert.equal(detectDocumentKind('project.sla.json', { ml_repo_url: 'https://github.com/o/r' }), 'project');
    assert.equal(detectDocumentKind('deploy.sla.json', {}), 'sla');
    assert.equal(detectDocumentKind('sla-prod.json', undefined), 'sla');
    assert.equal(detectDocumentKind('flops.json', {}), 'project');
    assert.equal(detectDocumentKind('other.json', [1]), 'project');
  });

  it('reports a valid project file as clean', () => {
    const { kind, findings } = validateDocument(readFileSync(path.join(repoRoot, 'examples/mnist-sklearn/flops.json'), 'utf8'), { file: 'flops.json' });
    assert.equal(kind, 'project');
    assert.deepEqual(findings, []);
  });

  it('reports schema issues, unknown keys, duplicates and cross-field rules of a project file, located', () => {
    const text = ['{', '  "training_configuration": {"min_available_clients": 1, "min_fit_clients": 2},', '  "trainig_rounds": 3,', '  "verbose": true,', '  "verbose": false', '}', ''].join('\n');
    const { findings } = validateDocument(text, { file: 'flops.json' });
    assert.deepEqual(
      findings.map((f) => `${f.severity} ${f.range.start.line + 1}:${f.range.start.character + 1} ${f.message}`),
      [
        'error 2:58 min_fit_clients (2) is larger than min_available_clients (1); FLOps deploys exactly min_available_clients learners, so Flower would wait forever. Lower min_fit_clients or raise min_available_clients.',
        'warning 3:3 Unknown key "trainig_rounds"; FLOps and this extension ignore it.',
        'warning 4:3 Key "verbose" appears twice; only the last one counts. Remove this one.',
      ],
    );
    assert.ok(findings.every((f) => f.rule === 'flops/project-config'));
  });

  it('locates invalid JSON and wrong types', () => {
    const bad = validateDocument('{\n  "verbose": true,\n}\n', { file: 'flops.json' }).findings;
    assert.equal(bad.length, 1);
    assert.deepEqual(bad[0]?.range.start, { line: 2, character: 0 });
    assert.match(bad[0]?.message ?? '', /^flops\.json is not valid JSON: a trailing comma/);
    const typed = validateDocument('{"training_configuration": {"training_rounds": "three"}}', { file: 'flops.json' }).findings;
    assert.equal(typed[0]?.message, 'training_configuration.training_rounds: expected an integer, got the string "three".');
  });

  it('checks the dataset file through the given existence check', () => {
    const text = '{"simulation": {"dataset": {"file": "data/missing.csv"}}}';
    assert.match(validateDocument(text, { file: 'flops.json', fileExists: () => false }).findings[0]?.message ?? '', /does not exist/);
    assert.deepEqual(validateDocument(text, { file: 'flops.json', fileExists: () => true }).findings, []);
  });

  it('applies "off" for flops/project-config from the file itself', () => {
    assert.deepEqual(validateDocument('{"lint": {"rules": {"flops/project-config": "off"}}, "bogus": 1}', { file: 'flops.json' }).findings, []);
  });

  it('refuses huge files with one finding instead of parsing them', () => {
    const huge = `{"a": "${'x'.repeat(1024 * 1024)}"}`;
    const { findings } = validateDocument(huge, { file: 'flops.json' });
    assert.equal(findings.length, 1);
    assert.match(findings[0]?.message ?? '', /1\.0 MB; a project file is a small JSON document/);
    assert.match(slaFindings('big.sla.json', huge, { schema: true })[0]?.message ?? '', /an SLA is a small JSON document/);
  });

  it('validates SLAs: schema errors and the lint layer, sorted by position', () => {
    const { kind, findings } = validateDocument(fixture('oakestra-flawed-2.sla.json'), { file: 'deploy.json' });
    assert.equal(kind, 'sla');
    assert.deepEqual(
      findings.map((f) => `${f.rule} ${f.range.start.line + 1}`),
      ['flops/sla-schema 5', 'flops/sla-schema 12', 'flops/sla-schema 17'],
    );
    assert.match(findings[2]?.message ?? '', /port must be a string/);
  });

  it('leaves the schema layer to the JSON language service in the editor', () => {
    assert.deepEqual(slaFindings('x.sla.json', '{"a": ', { schema: false }), []);
    const lint = slaFindings('x.sla.json', fixture('lint-layer.sla.json'), { schema: false });
    assert.ok(lint.length >= 10);
    assert.ok(lint.every((f) => f.rule !== 'flops/sla-schema' && f.severity === 'warning'));
  });
});
