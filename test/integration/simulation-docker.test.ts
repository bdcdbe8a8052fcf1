import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunView } from '../../extension/core/runs/run-view';
import { repoKey } from '../../extension/io/simulation-ports';
import type { FlopsApi } from '../../extension/main';
import type { Features } from '../../extension/editor-root';
import { run } from '../docker/docker-cli';
import { removeRepoLeftovers, requireDocker, slowExampleRepo } from './simulation-repo';
import { takeScreenshot } from './take-screenshot';

/**
 * The editor end to end with the real Docker engine: "FLOps: Start Local Simulation" on a copy of the
 * bundled example (image FROM the fake-Flower test image, since Flower cannot be installed here), rounds
 * in the Runs view and the status bar, a learner killed from its tree node, "Stop Local Simulation",
 * and nothing left on the engine afterwards.
 */
describe('local simulation in the editor, against the real Docker engine', function () {
  this.timeout(600_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-host-sim-'));
  const repo = path.join(scratch, 'edge-digits');
  let features: Features;

  before(async function () {
    requireDocker(this);
    const extension = vscode.extensions.getExtension<FlopsApi>('flops.flops-vscode');
    assert.ok(extension);
    features = await (await extension.activate()).ready;
    slowExampleRepo(
      repo,
      {
        training_configuration: { data_tags: ['digits'], training_rounds: 40, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 },
        simulation: { learner_profiles: [{ count: 2, preset: 'pi-class' }, { count: 1, preset: 'laptop' }] },
      },
      0.7,
    );
  });

  after(async () => {
    await removeRepoLeftovers(repo);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Resolves with the run's view once `accept` holds, on the controller's change events. */
  function until(runId: string, accept: (view: RunView) => boolean, what: string, timeoutMs = 180_000): Promise<RunView> {
    const current = (): RunView | undefined => features.simulation.activeRuns().find((r) => r.runId === runId)?.view;
    const now = current();
    if (now !== undefined && accept(now)) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listener.dispose();
        reject(new Error(`timed out waiting for ${what}; view: ${JSON.stringify(current())?.slice(0, 2000) ?? 'none'}`));
      }, timeoutMs);
      const listener = features.simulation.onDidChange(() => {
        const view = current();
        if (view === undefined || !accept(view)) return;
        clearTimeout(timer);
        listener.dispose();
        resolve(view);
      });
    });
  }

  it('runs, shows rounds and learners, survives a killed learner, and stops without leftovers', async () => {
    const result = await vscode.commands.executeCommand<{ kind: string; runId?: string } | undefined>('flops.simulate.start', { folder: repo, learners: 3 });
    assert.equal(result?.kind, 'started', JSON.stringify(result));
    const runId = result.runId ?? '';
    const running = await until(runId, (v) => v.history.length >= 2, 'two finished rounds');
    assert.deepEqual(
      running.members.filter((m) => m.role === 'learner').map((m) => m.profile),
      ['pi-class', 'pi-class', 'laptop'],
    );

    await vscode.commands.executeCommand('flops.simulate.killLearner', { kind: 'member', repo, runId, service: 'learner-3', learner: 3 });
    const afterKill = await until(runId, (v) => v.members.some((m) => m.service === 'learner-3' && m.reason !== undefined) && v.history.length >= 4, 'the drop-out and two more rounds');
    assert.match(afterKill.members.find((m) => m.service === 'learner-3')?.reason ?? '', /killed from the run monitor/);
    // The picture for the README: a wide Runs view and the merged log below.
    await vscode.commands.executeCommand('flops.simulate.showLogs', { kind: 'run', repo, runId });
    await vscode.commands.executeCommand('flops.runMonitor.focus');
    for (let i = 0; i < 6; i++) await vscode.commands.executeCommand('workbench.action.decreaseViewWidth');
    await takeScreenshot('run-monitor');

    const stopped = await vscode.commands.executeCommand('flops.simulate.stop', { kind: 'run', repo, runId });
    assert.equal(stopped, runId);
    const key = await repoKey(repo);
    for (const kind of [['ps', '-a'], ['network', 'ls'], ['volume', 'ls']]) {
      assert.equal(run('docker', [...kind, '--filter', `label=flops.repo=${key}`, '-q']).stdout.trim(), '', `docker ${kind.join(' ')} lists nothing of the run`);
    }
    const record = JSON.parse(readFileSync(path.join(repo, '.flops', 'runs', `${runId}.json`), 'utf8')) as { outcome?: string; rounds: unknown[] };
    assert.equal(record.outcome, 'stopped');
    assert.ok(record.rounds.length >= 4);
  });
});
