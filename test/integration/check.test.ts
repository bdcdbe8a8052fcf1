import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { repoRoot } from '../unit/repo-paths';
import { skipWithReason } from '../unit/skip-with-reason';
import { takeScreenshot } from './take-screenshot';

/**
 * "FLOps: Check Learner Locally" in the editor, in the test venv's real Python (FLOPS_TEST_PYTHON, set
 * by the host runner): a passing example, and a broken one whose exception lands in the Problems
 * panel at the user's line.
 */
describe('"FLOps: Check Learner Locally" in the editor', function () {
  this.timeout(180_000);
  const python = process.env['FLOPS_TEST_PYTHON'];
  const workspace = process.env['FLOPS_TEST_WORKSPACE'] ?? '';
  const copy = (name: string): string => {
    const dir = path.join(workspace, name);
    cpSync(path.join(repoRoot, 'examples/mnist-sklearn'), dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.flops`) });
    return dir;
  };

  before(async function () {
    if (python === undefined) {
      assert.notEqual(process.env['FLOPS_TEST_STRICT'], '1', 'FLOPS_TEST_STRICT=1 but the test venv is missing (npm run test:python)');
      skipWithReason(this, 'the test venv is not prepared (npm run test:python)');
    }
    await vscode.extensions.getExtension('flops.flops-vscode')?.activate();
    await vscode.workspace.getConfiguration('flops').update('check.python', python, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('flops').update('check.python', undefined, vscode.ConfigurationTarget.Global);
  });

  it('passes the bundled example and leaves no check diagnostics', async () => {
    const dir = copy('check-ok');
    const outcome = await vscode.commands.executeCommand<{ kind: string; steps: { step: string }[] } | undefined>('flops.check.learner', vscode.Uri.file(dir));
    assert.equal(outcome?.kind, 'passed', JSON.stringify(outcome));
    assert.deepEqual(outcome.steps.map((s) => s.step), ['aggregator', 'set_model_data', 'fit_model', 'evaluate_model', 'aggregate']);
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(path.join(dir, 'model_manager.py'))).filter((d) => d.source === 'flops-check'), []);
  });

  it('reports an exception in fit_model as an error at the user\'s line', async () => {
    const dir = copy('check-broken');
    const file = path.join(dir, 'model_manager.py');
    writeFileSync(file, readFileSync(file, 'utf8').replace('self.model.fit(self.x_train, self.y_train)', 'self.model.fit(self.x_train, self.y_train[:10])'));
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('self.y_train[:10]'));
    const outcome = await vscode.commands.executeCommand<{ kind: string; failure?: { step: string; error: string } } | undefined>('flops.check.learner', vscode.Uri.file(dir));
    assert.equal(outcome?.kind, 'failed', JSON.stringify(outcome));
    assert.deepEqual([outcome.failure?.step, outcome.failure?.error], ['fit_model', 'ValueError']);
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => d.source === 'flops-check');
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]?.range.start.line, line);
    assert.equal(diagnostics[0]?.range.start.character, 12, 'the range starts after the indentation');
    assert.equal(diagnostics[0]?.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostics[0]?.message ?? '', /^fit_model failed: ValueError: .*inconsistent numbers of samples/);
    await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await takeScreenshot('check-learner-failed');
  });
});
