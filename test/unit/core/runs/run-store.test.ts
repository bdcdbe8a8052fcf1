import assert from 'node:assert/strict';
import type { RunEvent } from '../../../../extension/core/runs/run-events';
import type { RunRecord } from '../../../../extension/core/runs/run-record';
import { RunStore, type RunStoreChange } from '../../../../extension/core/runs/run-store';
import { emptyRunView } from '../../../../extension/core/runs/run-view';

const planned: RunEvent = { type: 'runPlanned', at: 2, runId: 'r1', project: 'r1', learners: 2, rounds: 3, strategy: 'FedAvg', members: [{ service: 'learner-1', role: 'learner', learner: 1 }] };
const round: RunEvent = {
  type: 'roundFinished',
  at: 3,
  metrics: { round: 1, rounds: 3, strategy: 'FedAvg', train: null, evaluate: { accuracy: 0.8 }, nodes: { train: 2, evaluate: 2 }, failures: { train: 0, evaluate: 0 }, timeMs: 3, learners: [] },
};

function record(runId: string, startedAt: number): RunRecord {
  return { v: 1, runId, repo: '/w/a', owner: '1@h', startedAt, image: '', config: { learners: 2, rounds: 3, strategy: 'FedAvg', profiles: [] }, rounds: [], failures: [], timeline: [] };
}

describe('run store', () => {
  it('folds the events of an active run into its view and tells subscribers which run changed and why', () => {
    const store = new RunStore();
    const changes: RunStoreChange[] = [];
    store.subscribe((c) => changes.push(c));
    store.addRepo('/w/a', 'a');
    store.addRun({ runId: 'r1', repo: '/w/a', source: 'local', view: emptyRunView('r1', 1) });
    store.applyEvent('r1', planned);
    store.applyEvent('r1', round);
    const run = store.runOf('r1');
    assert.equal(run?.view.learners, 2);
    assert.equal(run?.view.history[0]?.evaluate?.['accuracy'], 0.8);
    assert.deepEqual(changes, [
      { kind: 'repo', repo: '/w/a' },
      { kind: 'run', runId: 'r1' },
      { kind: 'run', runId: 'r1', event: planned },
      { kind: 'run', runId: 'r1', event: round },
    ]);
    assert.deepEqual(store.activeRuns().map((r) => r.runId), ['r1']);
  });

  it('ignores events of ended or unknown runs and keeps the final view it was given', () => {
    const store = new RunStore();
    store.addRepo('/w/a', 'a');
    store.addRun({ runId: 'r1', repo: '/w/a', source: 'local', view: emptyRunView('r1', 1) });
    store.markStopping('r1');
    assert.equal(store.runOf('r1')?.stopping, true);
    const final = { ...emptyRunView('r1', 1), outcome: 'stopped' as const };
    const changes: RunStoreChange[] = [];
    store.subscribe((c) => changes.push(c));
    store.endRun('r1', final);
    store.endRun('r1');
    assert.deepEqual(changes, [{ kind: 'run', runId: 'r1', ended: true }, { kind: 'run', runId: 'r1' }], 'only the first end is an ending');
    store.applyEvent('r1', planned);
    store.applyEvent('nope', planned);
    assert.deepEqual(store.runOf('r1'), { runId: 'r1', repo: '/w/a', source: 'local', view: final, active: false, stopping: false });
    assert.deepEqual(store.activeRuns(), []);
  });

  it('refuses a second active run of a repository and replaces a finished one', () => {
    const store = new RunStore();
    store.addRepo('/w/a', 'a');
    store.addRun({ runId: 'r1', repo: '/w/a', source: 'local', view: emptyRunView('r1', 1) });
    assert.throws(() => store.addRun({ runId: 'r2', repo: '/w/a', source: 'local', view: emptyRunView('r2', 2) }), /run r1 of \/w\/a is still active/);
    store.endRun('r1');
    store.addRun({ runId: 'r2', repo: '/w/a', source: 'local', view: emptyRunView('r2', 2) });
    assert.equal(store.runOf('r1'), undefined);
    assert.equal(store.liveRunOf('/w/a')?.runId, 'r2');
  });

  it('keeps each repository history and its read error, sorted by name for the monitor', () => {
    const store = new RunStore();
    store.addRepo('/w/b', 'b');
    store.addRepo('/w/a', 'a');
    store.setHistory('/w/a', [record('old', 5)]);
    store.setHistoryError('/w/b', 'permission denied');
    store.setHistory('/w/unknown', [record('x', 1)]);
    const input = store.monitorInput(99);
    assert.equal(input.now, 99);
    assert.deepEqual(input.repos.map((r) => [r.name, r.history.map((h) => h.runId), r.historyError]), [
      ['a', ['old'], undefined],
      ['b', [], 'permission denied'],
    ]);
    // A later successful read clears the error.
    store.setHistory('/w/b', []);
    assert.equal(store.monitorInput(0).repos[1]?.historyError, undefined);
  });

  it('forgets the repositories of a removed folder unless a run of theirs is active', () => {
    const store = new RunStore();
    store.addRepo('/w/a', 'a');
    store.addRepo('/w/b', 'b');
    store.addRepo('/x/c', 'c');
    store.addRun({ runId: 'r1', repo: '/w/b', source: 'local', view: emptyRunView('r1', 1) });
    store.forgetRepos((path) => path.startsWith('/w/'));
    assert.deepEqual(store.repoList().map((r) => r.name), ['b', 'c']);
  });

  it('stops telling a subscriber once it unsubscribed', () => {
    const store = new RunStore();
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.addRepo('/w/a', 'a');
    unsubscribe();
    store.addRepo('/w/b', 'b');
    assert.equal(calls, 1);
  });
});
