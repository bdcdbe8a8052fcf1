import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { projectFileSchema } from '../../extension/core/config/project-file';
import type { FlopsApi } from '../../extension/main';
import { takeScreenshot } from './take-screenshot';
import { ruleOf, waitForDiagnostics } from './wait-for-diagnostics';

const workspace = (): string => {
  const root = process.env['FLOPS_TEST_WORKSPACE'];
  assert.ok(root, 'the runner sets FLOPS_TEST_WORKSPACE');
  return root;
};
const fileUri = (...parts: string[]): vscode.Uri => vscode.Uri.file(path.join(workspace(), ...parts));

/** Diagnostics of `uri` from any source, once `accept` holds (VS Code's JSON language service is not ours). */
async function waitForAnyDiagnostics(uri: vscode.Uri, accept: (ds: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 30_000): Promise<vscode.Diagnostic[]> {
  const current = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri);
  if (accept(current())) return current();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; diagnostics now: ${JSON.stringify(current().map((d) => `${d.source ?? ''}: ${d.message}`))}`));
    }, timeoutMs);
    const listener = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString()) || !accept(current())) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(current());
    });
  });
}

async function completionLabels(uri: vscode.Uri, position: vscode.Position): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
  return list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
}

/** The position right after the first occurrence of `needle`. */
function after(doc: vscode.TextDocument, needle: string): vscode.Position {
  const offset = doc.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} in ${doc.uri.fsPath}`);
  return doc.positionAt(offset + needle.length);
}

describe('project file and SLA schemas in the editor', () => {
  before(async () => {
    const api = (await vscode.extensions.getExtension('flops.flops-vscode')?.activate()) as FlopsApi | undefined;
    assert.ok(api, 'the extension activates');
    await api.ready;
  });

  it('completes flops.json keys from the project schema', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('broken-repo', 'deploy', 'flops.json'));
    await vscode.window.showTextDocument(doc);
    const top = await completionLabels(doc.uri, after(doc, '{\n'));
    for (const key of ['flower', 'simulation', 'oakestra', 'image', 'post_training_steps']) assert.ok(top.includes(key), `${key} in ${top.join(', ')}`);
    const nested = await completionLabels(doc.uri, after(doc, '"training_configuration": {\n'));
    for (const key of ['min_fit_clients', 'data_tags', 'mode']) assert.ok(nested.includes(key), `${key} in ${nested.join(', ')}`);
  });

  it('reports a schema type error in flops.json (JSON language service)', async () => {
    const uri = fileUri('broken-repo', 'deploy', 'flops.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const ds = await waitForAnyDiagnostics(uri, (all) => all.some((d) => d.message === 'Incorrect type. Expected "integer".'), 'the integer type error');
    const error = ds.find((d) => d.message === 'Incorrect type. Expected "integer".');
    assert.equal(error?.range.start.line, 3);
  });

  it('completes SLA microservice keys from the Oakestra SLA schema', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('broken-repo', 'deploy', 'app.sla.json'));
    await vscode.window.showTextDocument(doc);
    const labels = await completionLabels(doc.uri, after(doc, '"microserviceID": "",\n'));
    for (const key of ['vcpus', 'cmd', 'environment', 'one_shot', 'volumes']) assert.ok(labels.includes(key), `${key} in ${labels.join(', ')}`);
    const inList = await completionLabels(doc.uri, after(doc, '"microservices": [\n'));
    assert.ok(inList.includes('fl-sla-service'), `the service snippet among ${inList.join(', ')}`);
  });

  it('reports Oakestra\'s validator rules in an SLA (string port) and the lint layer\'s warnings', async () => {
    const uri = fileUri('broken-repo', 'deploy', 'app.sla.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const schema = await waitForAnyDiagnostics(uri, (all) => all.some((d) => d.message === 'Incorrect type. Expected "string".'), 'the string port error');
    assert.equal(schema.find((d) => d.message === 'Incorrect type. Expected "string".')?.range.start.line, 16);
    const ours = await waitForDiagnostics(uri, (all) => ['flops/sla-address', 'flops/sla-name-length', 'flops/sla-constraint'].every((r) => all.some((d) => ruleOf(d) === r)), 'SLA lint warnings');
    const address = ours.find((d) => ruleOf(d) === 'flops/sla-address');
    assert.equal(address?.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(address?.range.start.line, 17);
    assert.match(address?.message ?? '', /outside 10\.30\.0\.0\/16/);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await takeScreenshot('sla-diagnostics');
  });

  it('re-checks an SLA as it is edited', async () => {
    const uri = fileUri('broken-repo', 'deploy', 'app.sla.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const start = after(doc, '"rr_ip": "');
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(start, start.translate(0, '192.168.1.20'.length)), '10.30.0.20')));
    await waitForDiagnostics(uri, (all) => !all.some((d) => ruleOf(d) === 'flops/sla-address'), 'the address warning to clear');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('offers the fl- snippets in Python files', async () => {
    const uri = fileUri('mnist-ready', 'model_manager.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    // At the end of the file, on its empty last line: snippets are offered where a statement can start.
    const labels = await completionLabels(uri, doc.lineAt(doc.lineCount - 1).range.end);
    for (const prefix of ['fl-model-manager-sklearn', 'fl-data-manager-pytorch']) assert.ok(labels.includes(prefix), `${prefix} among ${labels.filter((l) => l.startsWith('fl')).join(', ')}`);
  });

  it('"FLOps: New Project File" writes a starter from the linted repo and never overwrites', async () => {
    const api = (await vscode.extensions.getExtension('flops.flops-vscode')?.activate()) as FlopsApi;
    await (await api.ready).lint.refresh();
    const repo = fileUri('monorepo', 'services', 'trainer');
    const created = await vscode.commands.executeCommand<vscode.Uri>('flops.project.new', repo);
    assert.equal(created.fsPath, path.join(repo.fsPath, 'flops.json'));
    const text = readFileSync(created.fsPath, 'utf8');
    const config = projectFileSchema.parse(JSON.parse(text));
    assert.equal(config.ml_model_flavor, 'sklearn', 'the flavor detected from the imports');
    assert.equal(config.training_configuration.min_available_clients, 2);
    const again = await vscode.commands.executeCommand<vscode.Uri>('flops.project.new', repo);
    assert.equal(again.fsPath, created.fsPath);
    assert.equal(readFileSync(created.fsPath, 'utf8'), text, 'the existing file is left unchanged');
  });
});
