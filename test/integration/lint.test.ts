import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from './take-screenshot';
import { ruleOf, waitForDiagnostics } from './wait-for-diagnostics';

const workspace = (): string => {
  const root = process.env['FLOPS_TEST_WORKSPACE'];
  assert.ok(root, 'the runner sets FLOPS_TEST_WORKSPACE');
  return root;
};
const fileUri = (...parts: string[]): vscode.Uri => vscode.Uri.file(path.join(workspace(), ...parts));
const hasRule = (rule: string) => (ds: vscode.Diagnostic[]) => ds.some((d) => ruleOf(d) === rule);

describe('lint in the editor', () => {
  before(async () => {
    await vscode.extensions.getExtension('flops.flops-vscode')?.activate();
  });

  it('shows diagnostics for a broken repo on open, with rule codes and severities', async () => {
    const ds = await waitForDiagnostics(fileUri('broken-repo', 'model_manager.py'), hasRule('flops/model-manager-methods'), 'model-manager-methods');
    const methods = ds.find((d) => ruleOf(d) === 'flops/model-manager-methods');
    assert.equal(methods?.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(methods?.range.start.line, 10);
    assert.ok(ds.some((d) => ruleOf(d) === 'flops/mlflow-import'));
    const conda = await waitForDiagnostics(fileUri('broken-repo', 'conda.yaml'), hasRule('flops/conda-python-version'), 'conda-python-version');
    assert.ok(conda.some((d) => ruleOf(d) === 'flops/conda-owned-pip' && d.severity === vscode.DiagnosticSeverity.Warning));
  });

  it('finds a repo in a subfolder of a workspace folder', async () => {
    await waitForDiagnostics(fileUri('monorepo', 'services', 'trainer', 'model_manager.py'), hasRule('flops/conda-file'), 'conda-file on the nested repo');
  });

  it('"FLOps: Lint Repository" lints every repo and reports no error on the ready one', async () => {
    const results = await vscode.commands.executeCommand<{ severity: string; rule: string }[][]>('flops.lint.run');
    assert.equal(results.length, 3, 'three repos: mnist-ready, broken-repo, monorepo/services/trainer');
    const ready = vscode.languages.getDiagnostics(fileUri('mnist-ready', 'model_manager.py')).filter((d) => d.source === 'flops');
    assert.deepEqual(ready.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map(ruleOf), []);
  });

  it('registers every command declared in package.json', async () => {
    const ext = vscode.extensions.getExtension('flops.flops-vscode');
    const declared = (ext?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(declared.filter((c) => !registered.has(c)), []);
  });

  it('hover on a finding explains the rule and links its documentation', async () => {
    const uri = fileUri('broken-repo', 'model_manager.py');
    const ds = await waitForDiagnostics(uri, hasRule('flops/fit-return-type'), 'fit-return-type');
    const d = ds.find((x) => ruleOf(x) === 'flops/fit-return-type');
    assert.ok(d);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, d.range.start);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /flops\/fit-return-type/);
    assert.match(text, /Why:/);
    assert.match(text, /command:flops\.lint\.showRuleDocs/);
  });

  it('applies a quick fix (add the missing method) and the finding goes away after save', async () => {
    const uri = fileUri('broken-repo', 'model_manager.py');
    const ds = await waitForDiagnostics(uri, hasRule('flops/model-manager-methods'), 'model-manager-methods');
    const d = ds.find((x) => ruleOf(x) === 'flops/model-manager-methods');
    assert.ok(d);
    // Code action providers run on an open text model.
    const doc = await vscode.workspace.openTextDocument(uri);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range);
    const add = actions.find((a) => a.title.startsWith('Add evaluate_model'));
    assert.ok(add?.edit, `quick fix offered; got: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(add.edit));
    assert.ok(await doc.save());
    await waitForDiagnostics(uri, (all) => !all.some((x) => ruleOf(x) === 'flops/model-manager-methods'), 'model-manager-methods to clear');
    assert.match(readFileSync(uri.fsPath, 'utf8'), /def evaluate_model\(self\):/);
  });

  it('re-lints on save: a new mlflow import in the ready repo is reported', async () => {
    const uri = fileUri('mnist-ready', 'data_manager.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'import mlflow\n'));
    assert.ok(await doc.save());
    await waitForDiagnostics(uri, hasRule('flops/mlflow-import'), 'mlflow-import after save');
    const fix = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, new vscode.Range(0, 0, 0, 5));
    const remove = fix.find((a) => a.title.startsWith('Remove the mlflow import'));
    assert.ok(remove?.edit);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.ok(await doc.save());
    await waitForDiagnostics(uri, (all) => !all.some((x) => ruleOf(x) === 'flops/mlflow-import'), 'mlflow-import to clear');
  });

  it('shows the Problems panel on the broken repo (screenshot)', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('broken-repo', 'conda.yaml'));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await takeScreenshot('problems-broken-repo');
  });
});
