import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Features } from '../../extension/editor-root';
import type { FlopsApi } from '../../extension/main';
import type { ToExtension, ToWebview } from '../../extension/protocol/metrics-protocol';
import type { MetricsPanel } from '../../extension/ui/metrics/metrics-panel';
import { removeRepoLeftovers, requireDocker, slowExampleRepo } from './simulation-repo';

/**
 * The metrics panel in a real extension host, fed by a real local simulation (Docker, the fake-Flower
 * image): the page says ready, gets the history as one snapshot, then one delta per round while the run
 * goes, with both learners' metrics; after the run, a panel restored from its saved state (as after a
 * window reload) gets the whole run from the history; a restored panel with a bogus state is closed.
 */

interface Flow {
  readonly received: ToExtension[];
  readonly posted: { readonly message: ToWebview; readonly runActive: boolean }[];
}

function follow(panel: MetricsPanel, active: () => boolean): Flow & vscode.Disposable {
  const flow: Flow = { received: [], posted: [] };
  const a = panel.onDidReceive((m) => flow.received.push(m));
  const b = panel.onDidPost((m) => flow.posted.push({ message: m, runActive: active() }));
  return {
    ...flow,
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 240_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('metrics panel from a real simulation run (Docker, fake Flower)', function () {
  this.timeout(600_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'flops-host-metrics-'));
  const repo = path.join(scratch, 'panel-digits');
  let features: Features;

  before(async function () {
    requireDocker(this);
    const extension = vscode.extensions.getExtension<FlopsApi>('flops.flops-vscode');
    assert.ok(extension);
    features = await (await extension.activate()).ready;
    // Rounds slow enough that the panel is open while they happen.
    slowExampleRepo(repo, { training_configuration: { data_tags: ['digits'], training_rounds: 6, min_available_clients: 2, min_fit_clients: 2, min_evaluate_clients: 2 } }, 1.0);
  });

  after(async () => {
    await removeRepoLeftovers(repo);
    for (const panel of features?.metrics.list() ?? []) panel.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows a live run: ready, then a snapshot, then one delta per round with both learners; catches up after being hidden', async () => {
    const started = await vscode.commands.executeCommand<{ kind: string; runId?: string } | undefined>('flops.simulate.start', { folder: repo, learners: 2 });
    assert.equal(started?.kind, 'started', JSON.stringify(started));
    const runId = started.runId ?? '';
    const active = (): boolean => features.simulation.activeRuns().some((r) => r.runId === runId);
    await until(() => (features.simulation.activeRuns().find((r) => r.runId === runId)?.view.members.filter((m) => m.role === 'learner' && m.state === 'running').length ?? 0) === 2, 'both learners running');

    const panel = await vscode.commands.executeCommand<MetricsPanel | undefined>('flops.metrics.open', { kind: 'run', repo, runId });
    assert.ok(panel !== undefined, 'the command returns the panel');
    const flow = follow(panel, active);
    const rounds = (): number => features.simulation.activeRuns().find((r) => r.runId === runId)?.view.history.length ?? 0;
    try {
      // Hidden behind an editor, the panel gets nothing; shown again, it catches up with one snapshot.
      await until(() => flow.posted.some((p) => p.message.type === 'delta'), 'a first live delta');
      const doc = await vscode.workspace.openTextDocument({ content: 'hides the panel', language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { viewColumn: panel.panel.viewColumn ?? vscode.ViewColumn.Beside, preview: false });
      await until(() => !panel.panel.visible, 'the panel to be hidden', 10_000);
      const sentBefore = flow.posted.length;
      const roundsBefore = rounds();
      await until(() => rounds() > roundsBefore || !active(), 'a round while hidden');
      assert.equal(flow.posted.length, sentBefore, `nothing is sent to a hidden panel: ${flow.posted.slice(sentBefore).map((p) => p.message.type).join(' ')}`);
      panel.reveal();
      await until(() => flow.posted.slice(sentBefore).some((p) => p.message.type === 'snapshot'), 'the catch-up snapshot', 30_000);
      const catchUp = flow.posted.slice(sentBefore).find((p) => p.message.type === 'snapshot')?.message;
      assert.ok(catchUp?.type === 'snapshot' && (catchUp.runs[0]?.rounds.length ?? 0) > roundsBefore, 'the catch-up has the rounds finished while hidden');
      await vscode.window.showTextDocument(doc).then(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));
      panel.reveal();
      await until(() => !active(), 'the run to end');
      await until(() => flow.posted.some((p) => p.message.type === 'delta' && p.message.run?.status !== undefined && p.message.run.status !== 'running'), 'the final delta with the outcome', 30_000).catch(() => undefined);
      // The page announced itself before anything was sent to it.
      assert.equal(flow.received[0]?.type, 'ready', JSON.stringify(flow.received));
      // "loading" while the history is read, then the snapshot, then deltas; each time the panel is shown
      // again after being hidden, "loading" and a catch-up snapshot.
      const types = flow.posted.map((p) => p.message.type);
      assert.match(types.join(' '), /^(loading )?snapshot( delta)+(( loading)? snapshot( delta)*)*$/, types.join(' '));
      const messages = flow.posted.map((p) => p.message);
      const seqs = messages.flatMap((m) => ('seq' in m ? [m.seq] : []));
      assert.ok(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number)), `sequence numbers increase: ${seqs.join(' ')}`);
      const deltas = flow.posted.filter((p) => p.message.type === 'delta');
      const liveRounds = new Set(deltas.filter((d) => d.runActive).flatMap((d) => (d.message.type === 'delta' ? d.message.rounds.map((r) => r.round) : [])));
      const snapshotRounds = messages.flatMap((m) => (m.type === 'snapshot' ? (m.runs[0]?.rounds.map((r) => r.round) ?? []) : []));
      // Every round reached the panel, most of them as live deltas while the run went on.
      const all = new Set([...snapshotRounds, ...liveRounds]);
      for (let r = 1; r <= 6; r++) assert.ok(all.has(r), `round ${r} reached the panel (snapshot ${snapshotRounds.join(',')}, live ${[...liveRounds].join(',')})`);
      assert.ok(liveRounds.size >= 2, `rounds arrived live, one delta each: ${[...liveRounds].join(',')}`);
      for (const d of deltas) {
        if (d.message.type !== 'delta') continue;
        for (const round of d.message.rounds) assert.deepEqual(round.learners.map((l) => l.learner).sort(), [1, 2], `round ${round.round} carries both learners`);
      }
    } finally {
      flow.dispose();
      panel.dispose();
    }
    await until(() => existsSync(path.join(repo, '.flops', 'runs', `${runId}.json`)) && (JSON.parse(readFileSync(path.join(repo, '.flops', 'runs', `${runId}.json`), 'utf8')) as { outcome?: string }).outcome !== undefined, 'the run record with its outcome', 30_000);

    // After a window reload VS Code hands the serializer a new panel and the state the page saved.
    const restoredPanel = vscode.window.createWebviewPanel('flops.metrics', 'FLOps Metrics', vscode.ViewColumn.One, { enableScripts: true });
    features.metrics.restore(restoredPanel, { sources: [{ kind: 'local', repo, runId }] });
    const restored = features.metrics.list().find((p) => p.panel === restoredPanel);
    assert.ok(restored !== undefined, 'the restored panel is tracked');
    const posted: ToWebview[] = [];
    const listener = restored.onDidPost((m) => posted.push(m));
    try {
      await until(() => posted.some((m) => m.type === 'snapshot'), "the restored panel's snapshot", 60_000);
      const snapshot = posted.find((m) => m.type === 'snapshot');
      assert.ok(snapshot?.type === 'snapshot');
      assert.deepEqual(snapshot.runs[0]?.rounds.map((r) => r.round), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(snapshot.state, { sources: [{ kind: 'local', repo, runId }] });
    } finally {
      listener.dispose();
      restored.dispose();
    }

    // A restored panel whose saved state is not ours is closed, not left blank.
    const bogus = vscode.window.createWebviewPanel('flops.metrics', 'FLOps Metrics', vscode.ViewColumn.One, { enableScripts: true });
    let closed = false;
    bogus.onDidDispose(() => (closed = true));
    // Let the workbench finish opening it first (as when VS Code restores one), then hand it over.
    await new Promise((resolve) => setTimeout(resolve, 500));
    features.metrics.restore(bogus, { sources: 'not a list' });
    assert.equal(closed, true);
  });
});
