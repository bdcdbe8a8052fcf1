import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Features } from '../../extension/editor-root';
import type { FlopsApi } from '../../extension/main';
import type { ToWebview } from '../../extension/protocol/metrics-protocol';
import { FakeMlflowServer, type FakeRun } from '../unit/fakes/fake-mlflow-server';

/**
 * The metrics panel on an MLflow run in a real extension host, against the fake MLflow server (the
 * REST contract of flower-mlflow.md §8): the snapshot, new rounds polled while the run is RUNNING, no
 * polling while the panel is hidden, polling again when it is shown, and none once the run finished.
 */

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('metrics panel on an MLflow run (fake MLflow server)', function () {
  this.timeout(120_000);
  let features: Features;
  let fake: FakeMlflowServer;
  let run: FakeRun;

  const addRound = (round: number): void => {
    for (const [key, value] of [['eval_loss', 1 / round], ['eval_accuracy', 0.5 + round / 20]] as const) {
      (run.metrics[key] ??= []).push({ step: round, value, timestamp: 1_000 + round });
    }
  };

  before(async () => {
    const extension = vscode.extensions.getExtension<FlopsApi>('flops.flops-vscode');
    assert.ok(extension);
    features = await (await extension.activate()).ready;
    fake = await new FakeMlflowServer({ pageSize: 2 }).start();
    const experiment = fake.addExperiment('flops-panel');
    run = { id: 'r1', name: 'FedAvg-run-r1', experimentId: experiment, status: 'RUNNING', startTime: 1_000, tags: { 'fl.role': 'server', 'fl.run_id': 'r1', 'fl.strategy': 'FedAvg' }, params: { rounds: '5', learners: '2' }, metrics: {} };
    fake.runs.push(run);
    addRound(1);
    addRound(2);
  });

  after(async () => {
    for (const panel of features?.metrics.list() ?? []) panel.dispose();
    await fake?.stop();
  });

  it('polls a RUNNING run for new rounds, not while hidden, and stops once it finished', async () => {
    const panel = features.metrics.open([{ kind: 'mlflow', url: fake.url, experiment: 'flops-panel', run: 'r1' }]);
    const posted: ToWebview[] = [];
    const listener = panel.onDidPost((m) => posted.push(m));
    try {
      await until(() => posted.some((m) => m.type === 'snapshot'), 'the snapshot');
      const snapshot = posted.find((m) => m.type === 'snapshot');
      assert.ok(snapshot?.type === 'snapshot');
      assert.deepEqual(snapshot.runs[0]?.rounds.map((r) => r.round), [1, 2]);
      assert.equal(snapshot.runs[0]?.run.status, 'running');

      addRound(3);
      await until(() => posted.some((m) => m.type === 'delta' && m.rounds.some((r) => r.round === 3)), 'round 3 by polling');

      // Hidden: no request reaches MLflow.
      const doc = await vscode.workspace.openTextDocument({ content: 'hides the panel', language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { viewColumn: panel.panel.viewColumn ?? vscode.ViewColumn.Beside, preview: false });
      await until(() => !panel.panel.visible, 'the panel to be hidden', 10_000);
      await sleep(500);
      const whileHidden = fake.requests.length;
      addRound(4);
      await sleep(6_000);
      assert.equal(fake.requests.length, whileHidden, `no polling while hidden: ${fake.requests.slice(whileHidden).join(', ')}`);

      // Shown again: polling resumes and round 4 arrives.
      panel.reveal();
      await until(() => posted.some((m) => (m.type === 'delta' && m.rounds.some((r) => r.round === 4)) || (m.type === 'snapshot' && m.runs[0]?.rounds.some((r) => r.round === 4) === true)), 'round 4 after showing the panel again');

      // Finished: the last round and the outcome arrive, then polling stops.
      addRound(5);
      run.status = 'FINISHED';
      run.endTime = 9_000;
      await until(() => posted.some((m) => m.type === 'delta' && m.run?.status === 'succeeded'), 'the finished run');
      await sleep(1_000);
      const afterEnd = fake.requests.length;
      await sleep(6_000);
      assert.equal(fake.requests.length, afterEnd, `no polling after the run finished: ${fake.requests.slice(afterEnd).join(', ')}`);
      await vscode.window.showTextDocument(doc).then(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));
    } finally {
      listener.dispose();
      panel.dispose();
    }
  });
});
