import assert from 'node:assert/strict';
import type { RoundMetrics, RunEvent } from '../../../../extension/core/runs/run-events';
import type { RunRecord } from '../../../../extension/core/runs/run-record';
import { buildMonitorTree, type MemberNode, type MonitorNode, type RunNode } from '../../../../extension/core/runs/monitor-model';
import { relativeTime } from '../../../../extension/core/runs/run-text';
import { activeStatus, finishedStatus } from '../../../../extension/core/runs/status-summary';
import { emptyRunView, reduceRun, type RunView } from '../../../../extension/core/runs/run-view';

const t0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const minutes = (n: number): number => n * 60_000;

function round(n: number, rounds: number, loss: number, accuracy?: number): RoundMetrics {
  return { round: n, rounds, strategy: 'FedAvg', train: null, evaluate: accuracy !== undefined ? { loss, accuracy } : { loss }, nodes: { train: 3, evaluate: 3 }, failures: { train: 0, evaluate: 0 }, timeMs: n * 1000, learners: [] };
}

const planned: RunEvent = {
  type: 'runPlanned',
  at: t0,
  runId: 'mnist-sklearn-k3f9',
  project: 'mnist-sklearn-k3f9',
  learners: 3,
  rounds: 3,
  strategy: 'FedAvg',
  members: [
    { service: 'aggregator', role: 'aggregator' },
    { service: 'learner-1', role: 'learner', learner: 1, profile: 'default', cpus: 1, memoryMb: 1024 },
    { service: 'learner-2', role: 'learner', learner: 2, profile: 'pi-class', cpus: 0.5, memoryMb: 512 },
    { service: 'learner-3', role: 'learner', learner: 3, profile: 'laptop', cpus: 2, memoryMb: 4096 },
    { service: 'run', role: 'starter' },
  ],
};

function fold(events: readonly RunEvent[]): RunView {
  return events.reduce(reduceRun, emptyRunView('mnist-sklearn-k3f9', t0));
}

const running = (service: string, at = t0 + 1000): RunEvent => ({ type: 'memberState', at, service, state: 'running' });

/** A run in round 2 of 3: learner-1 paused, learner-3 dead of a Python error, learner-2 sampled. */
function trainingView(): RunView {
  return fold([
    planned,
    { type: 'imageReady', at: t0 + 500, tag: 'flops-sim/mnist-sklearn:0123456789ab', built: false },
    ...['aggregator', 'learner-1', 'learner-2', 'learner-3', 'run'].map((s) => running(s)),
    { type: 'roundStarted', at: t0 + 2000, round: 1, rounds: 3 },
    { type: 'roundFinished', at: t0 + 3000, metrics: round(1, 3, 0.8, 0.7) },
    { type: 'roundStarted', at: t0 + 4000, round: 2, rounds: 3 },
    { type: 'roundFinished', at: t0 + 5000, metrics: round(2, 3, 0.412, 0.913) },
    { type: 'memberState', at: t0 + 5100, service: 'learner-1', state: 'paused' },
    { type: 'memberResources', at: t0 + 5200, service: 'learner-2', cpuPercent: 43.4, memoryMb: 210.2 },
    { type: 'memberResources', at: t0 + 5200, service: 'aggregator', cpuPercent: 12, memoryMb: 300 },
    { type: 'memberState', at: t0 + 5300, service: 'learner-3', state: 'failed', exitCode: 1, oomKilled: false },
    { type: 'learnerFailed', at: t0 + 5300, service: 'learner-3', learner: 3, exitCode: 1, oomKilled: false, reason: "ModuleNotFoundError: No module named 'torch'" },
  ]);
}

function record(runId: string, startedAt: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    v: 1,
    runId,
    repo: '/ws/mnist',
    owner: '1@host',
    startedAt,
    finishedAt: startedAt + minutes(3),
    outcome: 'succeeded',
    message: 'Finished 3 rounds.',
    image: 'flops-sim/mnist-sklearn:0123456789ab',
    imageBuilt: true,
    git: { commit: '1a2b3c4d5e6f7a8b9c0d', dirtyFiles: 2 },
    config: { learners: 2, rounds: 3, strategy: 'FedAvg', profiles: [] },
    rounds: [round(1, 3, 0.5, 0.8), round(2, 3, 0.4, 0.85), round(3, 3, 0.3, 0.9)],
    failures: [],
    timeline: [],
    ...extra,
  };
}

function members(node: MonitorNode | undefined): MemberNode[] {
  return (node?.children ?? []).filter((c): c is MemberNode => c.kind === 'member');
}

function byService(node: MonitorNode | undefined, service: string): MemberNode {
  const found = members(node).find((m) => m.service === service);
  assert.ok(found, `member ${service}`);
  return found;
}

function allIds(nodes: readonly MonitorNode[]): string[] {
  return nodes.flatMap((n) => [n.id, ...allIds(n.children)]);
}

describe('run monitor model (Runs tree and status bar)', () => {
  it('shows an active run with its round, accuracy and members, at the top level for one repository', () => {
    const nodes = buildMonitorTree({ repos: [{ path: '/ws/mnist', name: 'mnist', live: { view: trainingView(), active: true }, history: [] }], now: t0 + minutes(2) });
    assert.equal(nodes.length, 1);
    const run = nodes[0] as RunNode;
    assert.equal(run.kind, 'run');
    assert.equal(run.label, 'mnist-sklearn-k3f9 · round 2/3 · acc 0.913');
    assert.equal(run.description, 'FedAvg · 3 learners · started 2 min ago');
    assert.equal(run.contextValue, 'flops.run.active');
    assert.deepEqual(run.icon, { id: 'sync~spin' });
    assert.equal(run.expand, 'expanded');
    assert.deepEqual(
      members(run).map((m) => m.label),
      ['aggregator', 'learner-1 (1 CPU, 1024 MB)', 'learner-2 (pi-class 0.5 CPU, 512 MB)', 'learner-3 (laptop 2 CPUs, 4096 MB)', 'run (flwr run)'],
    );
  });

  it('gives each member its state icon, context value, metrics, resource use and failure reason', () => {
    const run = buildMonitorTree({ repos: [{ path: '/ws/mnist', name: 'mnist', live: { view: trainingView(), active: true }, history: [] }], now: t0 })[0];
    const aggregator = byService(run, 'aggregator');
    assert.equal(aggregator.contextValue, 'flops.member.aggregator');
    assert.equal(aggregator.description, 'running · loss 0.412 · acc 0.913 · 12% CPU · 300 MB');

    const paused = byService(run, 'learner-1');
    assert.equal(paused.contextValue, 'flops.member.learner.paused');
    assert.equal(paused.icon?.id, 'debug-pause');
    assert.equal(paused.learner, 1);

    const sampled = byService(run, 'learner-2');
    assert.equal(sampled.contextValue, 'flops.member.learner.running');
    assert.equal(sampled.description, 'running · 43% CPU · 210/512 MB');
    assert.equal(sampled.icon?.id, 'vm-running');
    assert.match(sampled.tooltip ?? '', /Limits: pi-class 0\.5 CPU, 512 MB/);

    const failed = byService(run, 'learner-3');
    assert.equal(failed.contextValue, 'flops.member.learner.stopped');
    assert.deepEqual(failed.icon, { id: 'error', color: 'testing.iconFailed' });
    assert.equal(failed.description, "failed: ModuleNotFoundError: No module named 'torch'");
    assert.match(failed.tooltip ?? '', /Exit code 1\nReason: ModuleNotFoundError: No module named 'torch'/);

    assert.equal(byService(run, 'run').contextValue, 'flops.member.service');
  });

  it('describes the phases before training: building with its step, starting, waiting, stopping', () => {
    const label = (view: RunView, stopping = false): string =>
      buildMonitorTree({ repos: [{ path: '/r', name: 'r', live: { view, active: true, stopping }, history: [] }], now: t0 })[0]?.label ?? '';
    assert.equal(label(fold([planned])), 'mnist-sklearn-k3f9 · preparing');
    const building = fold([planned, { type: 'imageBuildStarted', at: t0, tag: 'x:1' }, { type: 'imageBuildStep', at: t0, index: 3, total: 12, instruction: 'RUN pip install -r requirements.txt' }]);
    assert.equal(label(building), 'mnist-sklearn-k3f9 · building image (step 3/12)');
    assert.equal(label(fold([planned, { type: 'imageReady', at: t0, tag: 'x:1', built: true }])), 'mnist-sklearn-k3f9 · starting 3 learners');
    assert.equal(label(fold([planned, { type: 'waitingForLearners', at: t0, connected: 1, required: 3 }])), 'mnist-sklearn-k3f9 · waiting for learners (1/3)');
    assert.equal(label(trainingView(), true), 'mnist-sklearn-k3f9 · stopping…');
    const pending = byService(buildMonitorTree({ repos: [{ path: '/r', name: 'r', live: { view: fold([planned]), active: true }, history: [] }], now: t0 })[0], 'learner-2');
    assert.equal(pending.contextValue, 'flops.member.learner.starting');
    assert.equal(pending.icon?.id, 'circle-outline');
  });

  it('keeps a finished run of this window with its members, whose learners take no more actions', () => {
    const finished = fold([
      ...[planned, ...['aggregator', 'learner-1', 'learner-2', 'learner-3', 'run'].map((s) => running(s))],
      { type: 'roundFinished', at: t0 + 1000, metrics: round(1, 3, 0.7, 0.6) },
      { type: 'learnerFailed', at: t0 + 1100, service: 'learner-2', learner: 2, exitCode: 137, oomKilled: true, reason: 'out of memory: killed at its 512 MB limit' },
      ...['aggregator', 'learner-1', 'learner-2', 'learner-3', 'run'].map((service): RunEvent => ({ type: 'memberState', at: t0 + 2000, service, state: 'removed' })),
      { type: 'runFinished', at: t0 + minutes(4), outcome: 'failed', message: 'The aggregator stopped (exit code 1): boom' },
    ]);
    const run = buildMonitorTree({ repos: [{ path: '/r', name: 'r', live: { view: finished, active: false }, history: [] }], now: t0 + minutes(10) })[0] as RunNode;
    assert.equal(run.label, 'mnist-sklearn-k3f9 · 1/3 rounds · acc 0.600');
    assert.equal(run.description, 'failed · 10 min ago');
    assert.equal(run.contextValue, 'flops.run.finished');
    assert.equal(run.icon?.id, 'error');
    assert.match(run.tooltip ?? '', /Outcome: failed — The aggregator stopped \(exit code 1\): boom/);
    assert.match(run.tooltip ?? '', /took 4 min 0 s/);
    assert.equal(run.expand, 'collapsed');
    assert.ok(members(run).filter((m) => m.role === 'learner').every((m) => m.contextValue === 'flops.member.learner.done'));
    const oom = byService(run, 'learner-2');
    assert.equal(oom.description, 'failed: out of memory: killed at its 512 MB limit');
    assert.equal(oom.icon?.id, 'error');
    assert.equal(byService(run, 'learner-1').description, 'ended');
  });

  it('lists past runs newest first with outcome, rounds reached, final accuracy, image and short commit', () => {
    const history = [
      record('mnist-sklearn-aaaa', t0 - minutes(60 * 24 * 3)),
      record('mnist-sklearn-bbbb', t0 - minutes(30), {
        outcome: 'failed',
        message: 'Round 1 did not start within 180 s',
        rounds: [],
        git: { dirtyFiles: 0 },
        failures: [{ service: 'learner-2', reason: "ModuleNotFoundError: No module named 'torch'" }],
      }),
      record('mnist-sklearn-cccc', t0 - minutes(5), { outcome: 'stopped', rounds: [round(1, 3, 0.9)] }),
    ];
    const nodes = buildMonitorTree({ repos: [{ path: '/ws/mnist', name: 'mnist', history }], now: t0 }) as RunNode[];
    assert.deepEqual(
      nodes.map((n) => [n.label, n.description, n.icon?.id]),
      [
        ['mnist-sklearn-cccc · 1/3 rounds · loss 0.900', 'stopped · 5 min ago', 'debug-stop'],
        ['mnist-sklearn-bbbb · 0/3 rounds', 'failed · 30 min ago', 'error'],
        ['mnist-sklearn-aaaa · 3/3 rounds · acc 0.900', 'succeeded · 3 days ago', 'pass'],
      ],
    );
    assert.ok(nodes.every((n) => n.contextValue === 'flops.run.finished' && !n.active));
    const succeeded = nodes[2];
    assert.match(succeeded?.tooltip ?? '', /Image flops-sim\/mnist-sklearn:0123456789ab \(built for this run\)/);
    assert.match(succeeded?.tooltip ?? '', /Commit 1a2b3c4 \+ 2 uncommitted files/);
    assert.match(succeeded?.tooltip ?? '', /Round 3 of 3; last loss 0\.300 · accuracy 0\.900/);
    const failed = nodes[1];
    assert.match(failed?.tooltip ?? '', /Commit unknown/);
    assert.equal(failed?.expand, 'collapsed');
    assert.deepEqual(failed?.children.map((c) => [c.kind, c.label]), [['note', "learner-2: ModuleNotFoundError: No module named 'torch'"]]);
  });

  it('shows the live run once when the history already has its record, and caps the history', () => {
    const view = trainingView();
    const history = [record(view.runId, t0), ...Array.from({ length: 5 }, (_, i) => record(`old-${i}`, t0 - minutes(i + 1)))];
    const nodes = buildMonitorTree({ repos: [{ path: '/r', name: 'r', live: { view, active: true }, history }], now: t0, historyLimit: 3 });
    assert.deepEqual(
      nodes.map((n) => [n.kind, n.kind === 'run' ? n.runId : n.label]),
      [['run', view.runId], ['run', 'old-0'], ['run', 'old-1'], ['run', 'old-2'], ['note', '2 older runs not shown']],
    );
  });

  it('groups by repository when several have runs, leaves out those without, and is empty when none has', () => {
    const nodes = buildMonitorTree({
      repos: [
        { path: '/ws/a', name: 'a', live: { view: trainingView(), active: true }, history: [] },
        { path: '/ws/b', name: 'b', history: [record('b-1', t0)] },
        { path: '/ws/c', name: 'c', history: [] },
        { path: '/ws/d', name: 'd', history: [], historyError: 'EACCES: .flops/runs' },
      ],
      now: t0,
    });
    assert.deepEqual(nodes.map((n) => [n.kind, n.label, n.description, n.contextValue]), [
      ['repo', 'a', 'running', 'flops.repo'],
      ['repo', 'b', '1 run', 'flops.repo'],
      ['repo', 'd', '0 runs', 'flops.repo'],
    ]);
    assert.equal(nodes[2]?.children[0]?.label, 'Run history could not be read');
    assert.equal(nodes[2]?.children[0]?.tooltip, 'EACCES: .flops/runs');
    const ids = allIds(nodes);
    assert.equal(new Set(ids).size, ids.length, 'node ids are unique');
    assert.deepEqual(buildMonitorTree({ repos: [{ path: '/ws/c', name: 'c', history: [] }], now: t0 }), []);
  });

  it('puts the active run in the status bar, with a count of further ones, and the outcome afterwards', () => {
    assert.equal(activeStatus([]), undefined);
    const view = trainingView();
    assert.equal(activeStatus([view])?.text, '$(sync~spin) FL round 2/3 · acc 0.913');
    const second = fold([planned]);
    const both = activeStatus([view, second]);
    assert.equal(both?.text, '$(sync~spin) FL round 2/3 · acc 0.913 (+1)');
    assert.match(both?.tooltip ?? '', /mnist-sklearn-k3f9: preparing/);
    const done = reduceRun(reduceRun(view, { type: 'roundFinished', at: t0, metrics: round(3, 3, 0.3, 0.93) }), { type: 'runFinished', at: t0, outcome: 'succeeded', message: 'Finished 3 rounds.' });
    assert.deepEqual(finishedStatus(done), {
      text: '$(pass) FL succeeded · 3/3 rounds · acc 0.930',
      tooltip: 'mnist-sklearn-k3f9: succeeded — Finished 3 rounds.\nClick to show the run monitor.',
    });
    assert.equal(finishedStatus(reduceRun(fold([planned]), { type: 'runFinished', at: t0, outcome: 'cancelled', message: 'Cancelled.' })).text, '$(circle-slash) FL cancelled · 0/3 rounds');
  });

  it('says when a run started relative to now', () => {
    assert.equal(relativeTime(t0, t0 + 10_000), 'just now');
    assert.equal(relativeTime(t0, t0 - 10_000), 'just now');
    assert.equal(relativeTime(t0, t0 + minutes(1)), '1 min ago');
    assert.equal(relativeTime(t0, t0 + minutes(89)), '89 min ago');
    assert.equal(relativeTime(t0, t0 + minutes(180)), '3 h ago');
    assert.equal(relativeTime(t0, t0 + minutes(60 * 40)), '2 days ago');
    assert.equal(relativeTime(t0, t0 + minutes(60 * 24 * 30)), '2025-06-01');
  });
});
