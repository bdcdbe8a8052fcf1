import assert from 'node:assert/strict';
import { exitDescription, failureReason, parseFlowerLogLine, parseMetricsLine } from '../../../../extension/core/simulate/log-lines';
import { type RunEvent } from '../../../../extension/core/runs/run-events';
import { parseRunRecord, recordFromView } from '../../../../extension/core/runs/run-record';
import { emptyRunView, latestMetric, reduceRun, runSummary } from '../../../../extension/core/runs/run-view';

const line = '{"flops":"round","v":1,"run_id":"42","round":2,"rounds":3,"strategy":"FedAvg","time_ms":1700000000000,"train":{"num-examples":640,"train-seconds":0.4},"evaluate":{"loss":0.41,"accuracy":0.9,"num-examples":160},"nodes":{"train":2,"evaluate":2}}';

describe('simulate: log lines to events', () => {
  it('reads the metrics line, bare or behind a log prefix', () => {
    for (const text of [line, `INFO :      ${line}`, `${line}\r`]) {
      const result = parseMetricsLine(text);
      assert.equal(result.kind, 'metrics', text);
      if (result.kind !== 'metrics') return;
      assert.equal(result.runId, '42');
      assert.equal(result.metrics.round, 2);
      assert.equal(result.metrics.evaluate?.['accuracy'], 0.9);
      assert.deepEqual(result.metrics.nodes, { train: 2, evaluate: 2 });
      assert.deepEqual(result.metrics.failures, { train: 0, evaluate: 0 }, 'a line without "failures" (an older app) reads as none');
    }
  });

  it('reads the failed replies of a round', () => {
    const failed = line.replace('"nodes":{"train":2,"evaluate":2}}', '"nodes":{"train":0,"evaluate":0},"failures":{"train":2,"evaluate":0}}').replace(/"train":\{[^}]*\}/, '"train":null');
    const result = parseMetricsLine(failed);
    assert.equal(result.kind, 'metrics');
    if (result.kind !== 'metrics') return;
    assert.deepEqual([result.metrics.nodes, result.metrics.failures, result.metrics.train], [{ train: 0, evaluate: 0 }, { train: 2, evaluate: 0 }, null]);
    assert.equal(parseMetricsLine(failed.replace('"failures":{"train":2', '"failures":{"train":-1')).kind, 'malformed');
  });

  it('reports another format version instead of misreading it, and ignores everything else', () => {
    assert.deepEqual(parseMetricsLine(line.replace('"v":1', '"v":2')), { kind: 'unsupported', version: 2 });
    assert.equal(parseMetricsLine('INFO : starting').kind, 'none');
    const cut = parseMetricsLine('{"flops":"round", broken');
    assert.equal(cut.kind, 'malformed');
    assert.match(cut.kind === 'malformed' ? cut.reason : '', /^not JSON/);
    const wrongType = parseMetricsLine(line.replace('"round":2', '"round":"2"'));
    assert.deepEqual(wrongType.kind === 'malformed' ? wrongType.reason.split(':')[0] : wrongType.kind, 'round');
    assert.equal(parseMetricsLine('{"flops":"other","v":1}').kind, 'none');
  });

  it("recognises Flower's round and waiting lines", () => {
    assert.deepEqual(parseFlowerLogLine('INFO :      [ROUND 3/10]'), { kind: 'roundStarted', round: 3, rounds: 10 });
    assert.deepEqual(parseFlowerLogLine('INFO :      Waiting for nodes to connect: 1 connected (minimum required: 2).'), { kind: 'waiting', connected: 1, required: 2 });
    assert.equal(parseFlowerLogLine('INFO :      Starting Flower SuperLink'), undefined);
  });

  it('takes the exception line of the last traceback as the reason, else the last line', () => {
    const tail = ['noise', 'Traceback (most recent call last):', '  File "/app/data_manager.py", line 12, in __init__', '    import pandas', "ModuleNotFoundError: No module named 'pandas'", ''];
    assert.equal(failureReason(tail), `ModuleNotFoundError: No module named 'pandas' (File "/app/data_manager.py", line 12, in __init__)`);
    assert.equal(failureReason(['starting', 'killed by the kernel']), 'killed by the kernel');
    // The learner host's re-raise carries the user's exception and location already: no second location.
    const relayed = ['Traceback (most recent call last):', '  File "/app/flops_app/learner_host.py", line 131, in _call', 'flops_app.learner_host.LearnerError: ZeroDivisionError: division by zero (model_manager.py, line 40)'];
    assert.equal(failureReason(relayed), 'ZeroDivisionError: division by zero (model_manager.py, line 40)');
    assert.equal(failureReason([]), undefined);
    assert.equal(failureReason(['INFO :      Received: train message 1a2b (run 7)']), undefined, 'Flower chatter explains nothing');
    assert.equal(exitDescription(137), 'killed (exit code 137, SIGKILL)');
    assert.equal(exitDescription(2), 'exited with code 2');
  });
});

describe('simulate: run view and history', () => {
  const planned: RunEvent = {
    type: 'runPlanned',
    at: 1,
    runId: 'r',
    project: 'r',
    learners: 2,
    rounds: 3,
    strategy: 'FedAvg',
    members: [
      { service: 'aggregator', role: 'aggregator' },
      { service: 'learner-1', role: 'learner', learner: 1, profile: 'pi-class', cpus: 0.5, memoryMb: 512 },
      { service: 'learner-2', role: 'learner', learner: 2, profile: 'laptop', cpus: 2, memoryMb: 4096 },
      { service: 'run', role: 'starter' },
    ],
  };
  const metrics = (round: number, accuracy: number): RunEvent => ({ type: 'roundFinished', at: round, metrics: { round, rounds: 3, strategy: 'FedAvg', train: null, evaluate: { loss: 1 / round, accuracy }, nodes: { train: 2, evaluate: 2 }, failures: { train: 0, evaluate: 0 }, timeMs: round, learners: [] } });

  it('folds the phases into a one-line summary', () => {
    let view = reduceRun(emptyRunView('r', 0), planned);
    assert.equal(runSummary(view), 'preparing');
    view = reduceRun(view, { type: 'imageBuildStarted', at: 2, tag: 't' });
    view = reduceRun(view, { type: 'imageBuildStep', at: 2, index: 4, total: 12, instruction: 'RUN pip install' });
    assert.equal(runSummary(view), 'building image (step 4/12)');
    view = reduceRun(view, { type: 'waitingForLearners', at: 3, connected: 1, required: 2 });
    assert.equal(runSummary(view), 'waiting for learners (1/2)');
    view = reduceRun(view, { type: 'roundStarted', at: 4, round: 1, rounds: 3 });
    assert.equal(runSummary(view), 'round 1/3');
    view = reduceRun(view, metrics(1, 0.8));
    view = reduceRun(view, metrics(1, 0.81)); // a repeated line replaces, never duplicates
    view = reduceRun(view, metrics(2, 0.9));
    assert.equal(view.history.length, 2);
    assert.equal(latestMetric(view, 'accuracy'), 0.9);
    assert.equal(runSummary(view), 'round 2/3 · loss 0.500 · accuracy 0.900');
    const stalled = reduceRun(view, { type: 'waitingForLearners', at: 8, connected: 1, required: 2 });
    assert.equal(runSummary(stalled), 'round 2/3 · waiting for learners (1/2) · loss 0.500 · accuracy 0.900');
    view = reduceRun(view, { type: 'runFinished', at: 9, outcome: 'failed', message: 'x' });
    assert.equal(runSummary(view), 'failed after round 2/3 · loss 0.500 · accuracy 0.900');
  });

  it('keeps a failure reason while the member runs, and clears it when it starts again', () => {
    let view = reduceRun(emptyRunView('r', 0), planned);
    view = reduceRun(view, { type: 'memberState', at: 1, service: 'learner-1', state: 'running' });
    view = reduceRun(view, { type: 'learnerFailed', at: 2, service: 'learner-1', learner: 1, oomKilled: false, reason: 'ImportError: x' });
    view = reduceRun(view, { type: 'memberState', at: 3, service: 'learner-1', state: 'running' });
    assert.equal(view.members[1]?.reason, 'ImportError: x');
    view = reduceRun(view, { type: 'memberState', at: 4, service: 'learner-1', state: 'failed', exitCode: 1 });
    view = reduceRun(view, { type: 'memberState', at: 5, service: 'learner-1', state: 'running' });
    assert.equal(view.members[1]?.reason, undefined);
    assert.equal(view.members[1]?.exitCode, undefined);
  });

  it('records a run and reads the record back; rejects anything else', () => {
    let view = reduceRun(emptyRunView('r', 0), planned);
    view = reduceRun(view, { type: 'imageReady', at: 2, tag: 'flops-x:abc', built: false });
    view = reduceRun(view, metrics(1, 0.8));
    view = reduceRun(view, { type: 'learnerFailed', at: 3, service: 'learner-2', learner: 2, oomKilled: true, reason: 'out of memory' });
    view = reduceRun(view, { type: 'runFinished', at: 9, outcome: 'succeeded', message: 'Finished 3 rounds.' });
    const record = recordFromView(view, { repo: '/work/x', owner: '1@h', git: { commit: 'abc123', dirtyFiles: 2 } });
    assert.deepEqual(parseRunRecord(JSON.stringify(record)), record);
    assert.deepEqual(record.config.profiles, [
      { learner: 1, profile: 'pi-class', cpus: 0.5, memoryMb: 512 },
      { learner: 2, profile: 'laptop', cpus: 2, memoryMb: 4096 },
    ]);
    assert.deepEqual(record.failures, [{ service: 'learner-2', reason: 'out of memory' }]);
    assert.equal(parseRunRecord('{"v":2}'), undefined);
    assert.equal(parseRunRecord('not json'), undefined);
  });
});
