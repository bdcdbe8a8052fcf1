import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { FlError } from '../../extension/core/errors';
import type { Logger } from '../../extension/core/ports';
import type { MemberNode, MonitorNode, RunNode } from '../../extension/core/runs/monitor-model';
import type { RunView } from '../../extension/core/runs/run-view';
import { systemClock } from '../../extension/io/system-clock';
import { LogDocuments } from '../../extension/ui/simulation/log-documents';
import { RunTree } from '../../extension/ui/simulation/run-tree';
import { SimulationController } from '../../extension/ui/simulation/simulation-controller';
import { SimulationStatusBar } from '../../extension/ui/simulation/status-bar';
import { FakeLauncher, metricsLine } from '../unit/fakes/fake-simulation-launcher';

/**
 * The simulation UI's controller, tree and log documents over real sessions (core/simulate/session.ts)
 * against a fake engine: a second controller next to the extension's own (whose launcher is not wired
 * in yet), driven directly, so every step can be awaited as an event. Docker runs are the lead's
 * end-to-end tests.
 */

/** Resolves once `accept` holds for the tree's top level: now, or after one of its change events. */
function waitForTree<T>(tree: RunTree, accept: (nodes: MonitorNode[]) => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const now = accept(tree.getChildren());
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; tree: ${JSON.stringify(tree.getChildren().map(summary))}`));
    }, timeoutMs);
    const listener = tree.onDidChangeTreeData(() => {
      const value = accept(tree.getChildren());
      if (value === undefined) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(value);
    });
  });
}

function summary(node: MonitorNode): unknown {
  return { label: node.label, description: node.description, context: node.contextValue, children: node.children.map(summary) };
}

function member(nodes: MonitorNode[], service: string): MemberNode | undefined {
  const run = nodes.find((n): n is RunNode => n.kind === 'run' && n.active);
  return run?.children.find((c): c is MemberNode => c.kind === 'member' && c.service === service);
}

function nextEvent<T>(event: vscode.Event<T>, what: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const listener = event((value) => {
      clearTimeout(timer);
      listener.dispose();
      resolve(value);
    });
  });
}

describe('simulation controller over a fake engine', () => {
  const root = (): vscode.Uri => vscode.Uri.file(path.join(process.env['FLOPS_TEST_WORKSPACE'] ?? '', 'mnist-ready'));
  const errors: string[] = [];
  const logger: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m) => errors.push(String(m)) };
  // One controller for the suite, as in the extension: its output channel is created once (creating
  // and disposing channels in quick succession makes VS Code warn about leaked disposables).
  const launcher = new FakeLauncher();
  const controller = new SimulationController({ logger, simulationLauncher: launcher, roots: () => [root()], clock: systemClock });
  const tree = new RunTree(controller.store, systemClock);
  const statusBar = new SimulationStatusBar(controller.store);
  /** The run the current test started, and its container names. */
  let runId = '';
  const container = (service: string): string => `${runId}-${service}-1`;
  const start = async (options: { learners?: number; force?: boolean } = {}, signal = new AbortController().signal, report: (m: string) => void = () => undefined): ReturnType<SimulationController['start']> => {
    const result = await controller.start(root(), { learners: options.learners ?? 2, force: options.force }, signal, report);
    if (result.kind === 'started' || result.kind === 'ended') runId = result.runId;
    return result;
  };

  beforeEach(() => {
    errors.length = 0;
    launcher.lintErrors = undefined;
    launcher.runtime.buildFailure = undefined;
    launcher.runtime.engineDown = false;
    launcher.runtime.images.clear();
  });

  afterEach(async () => {
    for (const run of controller.activeRuns()) await controller.stop(run.runId);
    assert.equal(launcher.runtime.containers.size, 0, 'every container is removed');
    assert.deepEqual(errors, [], 'nothing was logged as an error');
  });

  after(async () => {
    await controller.shutdown();
    statusBar.dispose();
    tree.dispose();
    controller.dispose();
  });

  it('starts a run, reports its build steps, and resolves once the learners run', async () => {
    const steps: string[] = [];
    const result = await start({}, new AbortController().signal, (m) => steps.push(m));
    assert.equal(result.kind, 'started');
    assert.ok(steps.includes('building image: step 2/2 RUN pip install -r requirements.txt'), steps.join(' | '));
    assert.ok(steps.includes('image built; starting containers…'), steps.join(' | '));
    assert.deepEqual(controller.activeRuns().map((r) => r.runId), [runId]);
    assert.ok(controller.isActive(root()));
    const [run] = tree.getChildren();
    assert.equal(run?.contextValue, 'flops.run.active');
    assert.deepEqual(run?.children.map((c) => c.label), ['aggregator', 'learner-1 (pi-class 0.5 CPU, 512 MB)', 'learner-2 (pi-class 0.5 CPU, 512 MB)', 'run (flwr run)']);
    await assert.rejects(start(), (e: unknown) => e instanceof FlError && e.kind === 'invalidInput' && /already running/.test(e.message));
  });

  it('follows rounds and resource samples into the tree, one refresh per burst', async () => {
    await start();
    const engine = launcher.runtime;
    const aggregator = container('aggregator');
    engine.print(aggregator, 'INFO :      Waiting for nodes to connect: 1 connected (minimum required: 2).');
    await waitForTree(tree, (n) => (n[0]?.label === `${runId} · waiting for learners (1/2)` ? true : undefined), 'the waiting phase');
    let refreshes = 0;
    const counter = tree.onDidChangeTreeData(() => refreshes++);
    try {
      for (let i = 0; i < 500; i++) engine.sample(container('learner-2'), i % 100, 100 + i);
      await nextEvent(tree.onDidChangeTreeData, 'the refresh after 500 samples');
      assert.equal(member(tree.getChildren(), 'learner-2')?.description, 'running · 99% CPU · 599/512 MB');
      const refreshed = nextEvent(tree.onDidChangeTreeData, 'the refresh after round 1');
      engine.print(aggregator, 'INFO :      [ROUND 1/2]', metricsLine(runId, 1, 2, 0.5, 0.8));
      await refreshed;
      assert.equal(tree.getChildren()[0]?.label, `${runId} · round 1/2 · acc 0.800`);
      assert.equal(refreshes, 2, 'a burst of events is one refresh');
    } finally {
      counter.dispose();
    }
    assert.equal(member(tree.getChildren(), 'aggregator')?.description, 'running · loss 0.500 · acc 0.800');
  });

  it('pauses, resumes, kills and restarts a learner, and the tree follows', async () => {
    await start();
    const calls = launcher.runtime.calls.length;
    const context = (service: string): string | undefined => member(tree.getChildren(), service)?.contextValue;
    const waitContext = (service: string, value: string): Promise<true> => waitForTree(tree, () => (context(service) === value ? true : undefined), `${service} ${value}`);
    await controller.learnerAction(runId, 2, 'pause');
    await waitContext('learner-2', 'flops.member.learner.paused');
    await controller.learnerAction(runId, 2, 'resume');
    await waitContext('learner-2', 'flops.member.learner.running');
    await controller.learnerAction(runId, 1, 'kill');
    await waitContext('learner-1', 'flops.member.learner.stopped');
    assert.equal(member(tree.getChildren(), 'learner-1')?.description, 'failed: killed from the run monitor (a simulated drop-out)');
    await controller.learnerAction(runId, 1, 'restart');
    await waitContext('learner-1', 'flops.member.learner.running');
    assert.deepEqual(
      launcher.runtime.calls.slice(calls).filter((c) => /^(pause|unpause|kill|restart) /.test(c)),
      [`pause ${container('learner-2')}`, `unpause ${container('learner-2')}`, `kill ${container('learner-1')}`, `restart ${container('learner-1')}`],
    );
  });

  it('stops a run: its containers are removed, the run shows as stopped, and the history is read again', async () => {
    await start();
    const finished = nextEvent(controller.onDidFinish, 'the end of the run');
    const readsBefore = launcher.runsCalls;
    await controller.stop(runId);
    assert.equal((await finished).outcome, 'stopped');
    assert.deepEqual(controller.activeRuns(), []);
    assert.equal(launcher.runtime.containers.size, 0, 'every container is removed');
    const removals = launcher.runtime.calls.filter((c) => c.startsWith('remove '));
    // Everything that was started is removed (the stop may land before the starter container starts).
    const started = launcher.runtime.calls.filter((c) => c.startsWith(`start ${runId}-`)).map((c) => c.slice('start '.length));
    assert.ok(started.length >= 3, started.join(' '));
    assert.deepEqual(removals.at(-1)?.slice('remove '.length).split(' ').sort(), [...new Set(started)].sort(), removals.join(' | '));
    const run = await waitForTree(tree, (n) => (n[0]?.kind === 'run' && !n[0].active ? n[0] : undefined), 'the finished run');
    assert.equal(run.contextValue, 'flops.run.finished');
    assert.match(run.description ?? '', /^stopped · /);
    assert.ok(run.children.every((c) => c.contextValue !== 'flops.member.learner.running'), 'no learner action is offered on a finished run');
    assert.ok(launcher.runsCalls > readsBefore, 'history reloaded after the run');
    await controller.stop(runId); // a finished run: nothing happens
  });

  it('reports a run that reaches its last round as succeeded', async () => {
    await start();
    // The starter (`flwr run`) starts after the learners, i.e. after start() resolved.
    await waitForTree(tree, (n) => (member(n, 'run')?.description?.startsWith('running') === true ? true : undefined), 'the starter running');
    const finished = nextEvent(controller.onDidFinish, 'the end of the run');
    launcher.runtime.print(container('aggregator'), metricsLine(runId, 1, 2, 0.5, 0.8), metricsLine(runId, 2, 2, 0.3, 0.9));
    launcher.runtime.exit(container('run'), 0);
    const view: RunView = await finished;
    assert.equal(view.outcome, 'succeeded');
    assert.equal(view.currentRound, 2);
    assert.equal(launcher.runtime.containers.size, 0);
  });

  it('returns a run that failed before its learners ran as ended, and a missing engine as an error', async () => {
    launcher.runtime.buildFailure = 'pip install failed: no network';
    const ended = await start();
    assert.equal(ended.kind, 'ended');
    assert.equal(ended.kind === 'ended' ? ended.view.outcome : undefined, 'failed');
    assert.deepEqual(controller.activeRuns(), []);
    launcher.runtime.buildFailure = undefined;
    launcher.runtime.images.clear();
    launcher.runtime.engineDown = true;
    await assert.rejects(start(), (e: unknown) => e instanceof FlError && e.kind === 'dockerUnavailable');
    assert.deepEqual(controller.activeRuns(), []);
  });

  it('passes lint errors back unless forced', async () => {
    launcher.lintErrors = [{ rule: 'flops/model-manager-file', severity: 'error', file: 'model_manager.py', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: 'missing', fixes: [] }];
    assert.equal((await start()).kind, 'lintErrors');
    assert.deepEqual(controller.activeRuns(), []);
    assert.equal((await start({ force: true })).kind, 'started');
  });

  it('cancels a start from the progress notification', async () => {
    const cancel = new AbortController();
    const done = await start({}, cancel.signal, (m) => {
      if (m.startsWith('building image: step 1/')) cancel.abort();
    });
    assert.equal(done.kind, 'ended');
    assert.equal(done.kind === 'ended' ? done.view.outcome : undefined, 'cancelled');
    assert.equal(launcher.runtime.containers.size, 0);
  });

  it('serves a member log tail as a read-only document that follows new lines', async () => {
    await start();
    launcher.runtime.print(container('learner-1'), 'epoch 1: loss 0.9');
    const documents = new LogDocuments((runId) => controller.sessionOf(runId));
    try {
      const uri = LogDocuments.uri(runId, 'learner-1');
      assert.match(documents.provideTextDocumentContent(uri), /the last 1 lines, updated as they arrive\.\n# `docker logs [^`]+` has the whole log\.\nepoch 1: loss 0\.9\n$/);
      const changed = nextEvent(documents.onDidChange, 'the log document refresh');
      launcher.runtime.print(container('learner-1'), 'epoch 2: loss 0.7');
      documents.lineArrived(runId, 'learner-1');
      assert.equal((await changed).toString(), uri.toString());
      assert.match(documents.provideTextDocumentContent(uri), /epoch 1: loss 0\.9\nepoch 2: loss 0\.7\n$/);
      assert.match(documents.provideTextDocumentContent(LogDocuments.uri('gone-run', 'learner-1')), /no longer held in memory/);
    } finally {
      documents.dispose();
    }
  });

  // Last: shutdown leaves the controller unable to start runs (after() only disposes it).
  it('stops every active run on shutdown and waits until their containers are gone', async () => {
    assert.equal((await start()).kind, 'started');
    assert.ok(launcher.runtime.containers.size > 0);
    await controller.shutdown();
    assert.deepEqual(controller.activeRuns(), []);
    assert.equal(launcher.runtime.containers.size, 0);
    await assert.rejects(start(), (e: unknown) => e instanceof FlError && e.kind === 'cancelled');
  });
});
