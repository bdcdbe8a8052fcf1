import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FlopsApi } from '../../extension/main';
import { takeScreenshot } from './take-screenshot';

const simulationCommands = [
  'flops.simulate.start',
  'flops.simulate.stop',
  'flops.simulate.pauseLearner',
  'flops.simulate.resumeLearner',
  'flops.simulate.killLearner',
  'flops.simulate.restartLearner',
  'flops.simulate.showLogs',
  'flops.simulate.openGenerated',
  'flops.simulate.refreshRuns',
];

describe('local simulation UI', () => {
  let api: FlopsApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<FlopsApi>('flops.flops-vscode');
    assert.ok(extension, 'the extension is loaded');
    api = await extension.activate();
    await api.ready;
  });

  it('registers every simulation command', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of simulationCommands) assert.ok(registered.has(id), `${id} is registered`);
  });

  it('contributes the FLOps view container with the Runs view, which opens', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    // VS Code registers these for every contributed view container and view.
    assert.ok(registered.has('workbench.view.extension.flops'), 'the view container "flops" is contributed');
    assert.ok(registered.has('flops.runMonitor.focus'), 'the view "flops.runMonitor" is contributed');
    await vscode.commands.executeCommand('workbench.view.extension.flops');
    await vscode.commands.executeCommand('flops.runMonitor.focus');
    await takeScreenshot('simulation-run-monitor');
  });

  it('"Stop Local Simulation" with no active run does nothing and reports no error', async () => {
    const features = await api.ready;
    assert.deepEqual(features.simulation.activeRuns(), []);
    const failures: string[] = [];
    const listener = features.onDidFailCommand(({ id }) => failures.push(id));
    try {
      const result = await vscode.commands.executeCommand('flops.simulate.stop');
      assert.equal(result, undefined);
    } finally {
      listener.dispose();
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(features.simulation.activeRuns(), []);
  });
});
