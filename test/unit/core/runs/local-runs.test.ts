import assert from 'node:assert/strict';
import { FlError } from '../../../../extension/core/errors';
import { LocalRuns, shutdownWaitMs } from '../../../../extension/core/runs/local-runs';
import type { RunRecord } from '../../../../extension/core/runs/run-record';
import { RunStore } from '../../../../extension/core/runs/run-store';
import type { RunView } from '../../../../extension/core/runs/run-view';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeLogger } from '../../fakes/fake-logger';
import { FakeLauncher, metricsLine } from '../../fakes/fake-simulation-launcher';

/** Every setup's logger: none may have logged an error by the end of its test. */
const loggers: FakeLogger[] = [];

/** Local runs over real sessions against the fake engine, with a clock the tests move by hand. */
function setup(): { runs: LocalRuns; store: RunStore; launcher: FakeLauncher; clock: FakeClock; logger: FakeLogger; finished: [string, RunView, unknown][] } {
  const clock = new FakeClock();
  const launcher = new FakeLauncher(clock);
  const store = new RunStore();
  const logger = new FakeLogger();
  loggers.push(logger);
  const finished: [string, RunView, unknown][] = [];
  const runs = new LocalRuns({ launcher, store, logger, clock, onFinished: (runId, view, error) => finished.push([runId, view, error]) });
  return { runs, store, launcher, clock, logger, finished };
}

const signal = (): AbortSignal => new AbortController().signal;
const ended = (store: RunStore, runId: string): Promise<void> =>
  new Promise((resolve) => {
    const check = (): void => {
      if (store.runOf(runId)?.active === false) {
        unsubscribe();
        resolve();
      }
    };
    const unsubscribe = store.subscribe(check);
    check();
  });

describe('local runs', () => {
  afterEach(() => assert.deepEqual(loggers.splice(0).flatMap((l) => l.at('error')), [], 'nothing was logged as an error'));

  it('starts a run into the store, follows it to its outcome, and reloads the history afterwards', async () => {
    const { runs, store, launcher, finished } = setup();
    const steps: string[] = [];
    const result = await runs.start('/w/mnist', 'mnist', { learners: 2, rounds: 1 }, signal(), (m) => steps.push(m));
    assert.equal(result.kind, 'started');
    const runId = result.kind === 'started' ? result.runId : '';
    assert.ok(steps.includes('2 learners, 1 rounds, FedAvg'), steps.join(' | '));
    assert.ok(runs.isActive('/w/mnist'));
    await assert.rejects(runs.start('/w/mnist', 'mnist', {}, signal(), () => undefined), (e: unknown) => e instanceof FlError && /already running/.test(e.message));

    const history: RunRecord = { v: 1, runId, repo: '/w/mnist', owner: '1@h', startedAt: 1, outcome: 'succeeded', image: '', config: { learners: 2, rounds: 1, strategy: 'FedAvg', profiles: [] }, rounds: [], failures: [], timeline: [] };
    launcher.history = [history];
    const engine = launcher.runtime;
    engine.print(`${runId}-aggregator-1`, metricsLine(runId, 1, 1, 0.3, 0.9));
    engine.exit(`${runId}-run-1`, 0);
    await ended(store, runId);
    const run = store.runOf(runId);
    assert.equal(run?.view.outcome, 'succeeded');
    assert.equal(run?.view.history[0]?.evaluate?.['accuracy'], 0.9);
    assert.deepEqual(finished.map(([id, view, error]) => [id, view.outcome, error]), [[runId, 'succeeded', undefined]]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(store.repoList().find((r) => r.path === '/w/mnist')?.history.map((r) => r.runId), [runId]);
  });

  it('stops a run and marks it stopping until its containers are gone', async () => {
    const { runs, store, launcher } = setup();
    const result = await runs.start('/w/mnist', 'mnist', {}, signal(), () => undefined);
    const runId = result.kind === 'started' ? result.runId : assert.fail(result.kind);
    const stopping = runs.stop(runId);
    assert.equal(store.runOf(runId)?.stopping, true);
    await stopping;
    assert.equal(store.runOf(runId)?.view.outcome, 'stopped');
    assert.equal(launcher.runtime.containers.size, 0);
    await assert.rejects(runs.learnerAction(runId, 1, 'pause'), /has finished; its containers are gone/);
  });

  it('reports a history that cannot be read in the store and the log', async () => {
    const { runs, store, launcher, logger } = setup();
    launcher.historyError = new Error('EACCES: permission denied');
    await runs.loadHistory('/w/mnist', 'mnist');
    assert.equal(store.repoList()[0]?.historyError, 'EACCES: permission denied');
    assert.match(logger.at('warn').join('\n'), /could not read the run history of \/w\/mnist: EACCES/);
  });

  it('waits at most shutdownWaitMs for active runs on shutdown, on the injected clock', async () => {
    const { runs, store, launcher, clock, logger } = setup();
    const result = await runs.start('/w/mnist', 'mnist', {}, signal(), () => undefined);
    const runId = result.kind === 'started' ? result.runId : assert.fail(result.kind);
    // The engine never confirms the stop: shutdown gives up when the clock passes the limit.
    launcher.runtime.hangRemoval = true;
    const shutdown = runs.shutdown();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(store.runOf(runId)?.stopping, true);
    clock.advance(shutdownWaitMs);
    await shutdown;
    assert.match(logger.at('warn').join('\n'), new RegExp(`${runId} still removing containers after 10 s`));
    await assert.rejects(runs.start('/w/other', 'other', {}, signal(), () => undefined), (e: unknown) => e instanceof FlError && e.kind === 'cancelled');
    launcher.runtime.hangRemoval = false;
  });
});
