import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { DeployResult, UndeployReport } from '../../extension/core/deploy/deployer';
import type { Features } from '../../extension/editor-root';
import type { FlopsApi } from '../../extension/main';
import { FakeOakestraProcess } from '../unit/fakes/fake-oakestra-process';
import { takeScreenshot } from './take-screenshot';

/**
 * The Oakestra view and the deploy/undeploy commands in a real extension host, against the fake
 * Oakestra (its own process on 127.0.0.1): a target from the workspace settings, its password in
 * secret storage (never in settings), a deploy of a workspace repository that reaches RUNNING, the view
 * showing its services and instances, and an undeploy that leaves nothing on the fake.
 */

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Oakestra view and deploy commands (fake Oakestra)', function () {
  this.timeout(180_000);
  let features: Features;
  let fake: FakeOakestraProcess;
  let repo: string;
  let projectText: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<FlopsApi>('flops.flops-vscode');
    assert.ok(extension);
    features = await (await extension.activate()).ready;
    fake = await FakeOakestraProcess.start({ stepMs: 150 });
    const root = vscode.workspace.workspaceFolders?.find((f) => f.name === 'mnist-ready');
    assert.ok(root, 'the workspace has mnist-ready');
    repo = root.uri.fsPath;
    const projectFile = path.join(repo, 'flops.json');
    projectText = readFileSync(projectFile, 'utf8');
    const project = JSON.parse(projectText) as Record<string, unknown>;
    writeFileSync(projectFile, JSON.stringify({ ...project, image: { registry: '127.0.0.1:5999/flops' } }, null, 2));
    await vscode.workspace.getConfiguration('flops').update('oakestra.targets', [{ name: 'fake', url: fake.url, username: 'Admin' }], vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    writeFileSync(path.join(repo, 'flops.json'), projectText);
    await vscode.workspace.getConfiguration('flops').update('oakestra.targets', undefined, vscode.ConfigurationTarget.Workspace);
    await fake?.stop();
  });

  it('contributes the Oakestra view; a target without a password is locked and polls nothing', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(registered.has('flops.oakestra.focus'), 'the view "flops.oakestra" is contributed');
    await vscode.commands.executeCommand('workbench.view.extension.flops');
    await vscode.commands.executeCommand('flops.oakestra.focus');
    await features.oakestra.refresh();
    const target = await until(() => features.oakestra.state().find((t) => t.name === 'fake'), 'the target in the view');
    assert.equal(target.locked, true);
    assert.ok(!(await fake.state()).requests.some((r) => r.startsWith('POST /api/auth')), 'no login without a password');
  });

  it('deploys a workspace repository to RUNNING, shows it in the view, and undeploys leaving nothing', async () => {
    await features.storeOakestraPassword('fake', 'Admin');
    const result = await vscode.commands.executeCommand<DeployResult | undefined>('flops.oakestra.deploy', { folder: repo, target: 'fake', noPush: true });
    assert.ok(result !== undefined && result.kind === 'done', JSON.stringify(result));
    assert.equal(result.outcome, 'running', result.message);
    const state = await fake.state();
    assert.deepEqual(state.services.map((s) => s.microservice_name).sort(), ['aggr', 'learner1', 'learner2', 'run']);

    await vscode.commands.executeCommand('flops.oakestra.focus');
    await features.oakestra.refresh();
    const shown = await until(() => {
      const deployment = features.oakestra.state().find((t) => t.name === 'fake')?.deployments.find((d) => d.repo === repo);
      return deployment?.services?.length === 4 && deployment.services.every((s) => s.instances.length > 0) ? deployment : undefined;
    }, 'the deployment with its instances in the view');
    assert.equal(shown.record.application.name, 'mnistready');
    assert.ok(shown.services?.every((s) => s.instances.every((i) => i.status === 'RUNNING' || i.status === 'COMPLETED')));
    // A learner fails on its worker and the run goes on: the view follows (it polls), with the reason.
    await fake.setInstance({ service: 'learner2', instance: 0, status: 'FAILED', detail: 'exit code 137 (out of memory)', log: 'Killed' });
    await fake.setInstance({ service: 'run', instance: 0, log: '{"flops":"round","v":1,"run_id":"r","round":2,"rounds":3}' });
    await features.oakestra.refresh();
    const failed = await until(() => features.oakestra.state().find((t) => t.name === 'fake')?.deployments.find((d) => d.repo === repo)?.services?.find((s) => s.name === 'learner2' && s.instances[0]?.status === 'FAILED'), 'the failed learner in the view');
    assert.equal(failed.instances[0]?.detail, 'exit code 137 (out of memory)');
    assert.match(features.oakestra.log('fake', failed.id, 0), /Killed/);
    // Open Instance Log: a read-only document that follows the instance's output while it is open.
    await vscode.commands.executeCommand('flops.oakestra.showLog', { ref: { target: 'fake', serviceId: failed.id, instance: 0 } });
    const logDoc = await until(() => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'flops-oakestra-log'), 'the instance log document');
    assert.match(logDoc.getText(), /Killed/);
    assert.match(logDoc.getText(), /only the last 1 KiB/);
    await fake.setInstance({ service: 'learner2', instance: 0, log: 'restarted by the cluster' });
    await features.oakestra.refresh();
    await until(() => (/restarted by the cluster/.test(logDoc.getText()) ? true : undefined), 'the log document to follow new output', 10_000);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    // Collapse the Runs view and widen the sidebar, give the tree a moment to repaint, then look at it.
    const registered = new Set(await vscode.commands.getCommands(true));
    if (registered.has('flops.runMonitor.toggleVisibility')) await vscode.commands.executeCommand('flops.runMonitor.toggleVisibility');
    await vscode.commands.executeCommand('flops.oakestra.focus');
    await vscode.commands.executeCommand('workbench.action.focusSideBar');
    for (let i = 0; i < 8; i++) await vscode.commands.executeCommand('workbench.action.increaseViewSize');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await takeScreenshot('oakestra-view');
    if (registered.has('flops.runMonitor.toggleVisibility')) await vscode.commands.executeCommand('flops.runMonitor.toggleVisibility');

    const settings = JSON.stringify(vscode.workspace.getConfiguration('flops').inspect('oakestra.targets'));
    assert.doesNotMatch(settings, /password/i);

    const report = await vscode.commands.executeCommand<UndeployReport | undefined>('flops.oakestra.undeploy', { folder: repo, target: 'fake', force: true });
    assert.ok(report !== undefined && !report.nothing);
    assert.equal(report.services.length, 4);
    const after = await fake.state();
    assert.deepEqual(after.applications, []);
    assert.deepEqual(after.services, []);
  });

  it('reports an unreachable target as stale in the view instead of failing silently', async () => {
    await vscode.workspace.getConfiguration('flops').update('oakestra.targets', [{ name: 'fake', url: fake.url, username: 'Admin' }, { name: 'down', url: 'http://127.0.0.1:9', username: 'Admin' }], vscode.ConfigurationTarget.Workspace);
    await features.storeOakestraPassword('down', 'x');
    const down = await until(() => features.oakestra.state().find((t) => t.name === 'down' && t.error !== undefined), 'the unreachable target');
    assert.match(down.error ?? '', /Oakestra at http:\/\/127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\)/);
  });
});
