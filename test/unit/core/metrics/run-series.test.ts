import assert from 'node:assert/strict';
import { configDifferences, seriesFromRecord } from '../../../../extension/core/metrics/run-series';
import { seriesToCsv, seriesToJson, seriesToMarkdown } from '../../../../extension/core/metrics/series-formats';
import type { RoundMetrics, RunEvent } from '../../../../extension/core/runs/run-events';
import { readRunRecord, recordFromView } from '../../../../extension/core/runs/run-record';
import { emptyRunView, reduceRun } from '../../../../extension/core/runs/run-view';

/** The metrics fold (a run's events → its record → its series) and the CSV/JSON/markdown formats. */

const t0 = 1_764_000_000_000;

function round(n: number, loss: number | null, learners: [number, number, number | null][]): RoundMetrics {
  return {
    round: n,
    rounds: 3,
    strategy: 'FedAvg',
    train: { 'num-examples': 192 },
    evaluate: { loss, accuracy: [0.81, 0.82, 0.83][n - 1] ?? 0 },
    nodes: { train: learners.length - 1, evaluate: learners.length },
    failures: { train: 1, evaluate: 0 },
    timeMs: t0 + n * 10_000,
    learners: learners.map(([learner, seconds, eLoss]) => ({ learner, node: String(100 + learner), train: { 'num-examples': 96, 'train-seconds': seconds }, evaluate: { loss: eLoss, accuracy: 0.9 } })),
  };
}

function events(): RunEvent[] {
  return [
    { type: 'runPlanned', at: t0, runId: 'mnist-1', project: 'mnist', learners: 2, rounds: 3, strategy: 'FedAvg', members: [{ service: 'aggregator', role: 'aggregator' }, { service: 'learner-1', role: 'learner', learner: 1, profile: 'pi-class', cpus: 0.5, memoryMb: 512 }, { service: 'learner-2', role: 'learner', learner: 2, profile: 'pi-class', cpus: 0.5, memoryMb: 512 }] },
    { type: 'imageBuildStarted', at: t0 + 1, tag: 'flops-sim/mnist:abc' },
    { type: 'imageReady', at: t0 + 2000, tag: 'flops-sim/mnist:abc', built: true },
    { type: 'memberState', at: t0 + 2100, service: 'learner-1', state: 'running' },
    { type: 'memberState', at: t0 + 2200, service: 'learner-2', state: 'running' },
    { type: 'roundStarted', at: t0 + 3000, round: 1, rounds: 3 },
    { type: 'roundFinished', at: t0 + 5500, metrics: round(1, 0.9, [[1, 0.5, 0.8], [0, 0.25, 1]]) },
    { type: 'memberState', at: t0 + 6000, service: 'learner-2', state: 'paused' },
    { type: 'roundFinished', at: t0 + 9000, metrics: round(2, Number.NaN, [[0, 0.3, null], [1, 0.4, 0.7]]) },
    { type: 'learnerFailed', at: t0 + 9500, service: 'learner-2', learner: 2, oomKilled: true, reason: 'out of memory (512 MB)' },
    { type: 'runFinished', at: t0 + 12_000, outcome: 'failed', message: 'learner 2 ran out of memory' },
  ];
}

function recordOf(list: readonly RunEvent[], settings?: Record<string, string>) {
  const view = list.reduce(reduceRun, emptyRunView('mnist-1', t0));
  return recordFromView(view, { repo: '/w/mnist', owner: '1@h', git: { commit: '0123456789abcdef', dirtyFiles: 1 }, ...(settings !== undefined ? { settings } : {}) });
}

describe('metrics: series of a run', () => {
  it('folds events into rounds with aggregate, learners in order, participation, durations and a timeline', () => {
    const series = seriesFromRecord(recordOf(events()));
    assert.equal(series.run.label, 'FedAvg-run-mnist-1');
    assert.equal(series.run.status, 'failed');
    assert.deepEqual(series.rounds.map((r) => r.round), [1, 2]);
    assert.deepEqual(series.rounds[0]?.aggregate, { train_num_examples: 192, eval_loss: 0.9, eval_accuracy: 0.81 });
    assert.equal(series.rounds[1]?.aggregate['eval_loss'], null, 'NaN is null');
    assert.deepEqual(series.rounds[0]?.learners.map((l) => [l.learner, l.metrics['train_train_seconds'], l.metrics['eval_loss']]), [[1, 0.25, 1], [2, 0.5, 0.8]]);
    assert.deepEqual(series.rounds[0]?.participation, { sampled: 2, replied: 1, failed: 1 });
    assert.equal(series.rounds[0]?.durationMs, 2500, 'from its [ROUND 1] line to its metrics line');
    assert.equal(series.rounds[1]?.durationMs, 10_000, 'without a start line: since the previous round');
    assert.deepEqual(
      series.timeline.map((m) => [m.kind, m.text]),
      [
        ['build', 'Image build started (flops-sim/mnist:abc)'],
        ['build', 'Image built'],
        ['start', '2/2 learners running'],
        ['pause', 'learner 2 paused'],
        ['failure', 'learner 2 failed: out of memory (512 MB)'],
        ['outcome', 'Run failed: learner 2 ran out of memory'],
      ],
    );
    assert.equal(series.run.config['learner profiles'], '2× pi-class (0.5 CPU, 512 MB)');
    assert.equal(series.run.config['git commit'], '0123456789ab (+1 changed files)');
  });

  it('lists only the settings that differ between runs', () => {
    const a = seriesFromRecord(recordOf(events(), { 'Flower version': '1.27.0', partitioning: 'iid' })).run;
    const b = seriesFromRecord({ ...recordOf(events(), { 'Flower version': '1.27.0', partitioning: 'dirichlet (alpha 0.1, by label)' }), config: { learners: 4, rounds: 3, strategy: 'FedProx', profiles: [] } }).run;
    assert.deepEqual(
      configDifferences([a, b]).map((d) => [d.setting, ...d.values]),
      [
        ['strategy', 'FedAvg', 'FedProx'],
        ['learners', '2', '4'],
        ['learner profiles', '2× pi-class (0.5 CPU, 512 MB)', 'default'],
        ['partitioning', 'iid', 'dirichlet (alpha 0.1, by label)'],
      ],
    );
  });

  it('prints CSV, JSON (non-finite as null) and the final round as markdown', () => {
    const series = seriesFromRecord(recordOf(events()));
    const csv = seriesToCsv([series]).trimEnd().split('\n');
    assert.equal(csv[0], 'run,round,learner,eval_loss,eval_accuracy,train_num_examples,train_train_seconds,sampled,replied,failed,duration_ms');
    assert.equal(csv[1], 'FedAvg-run-mnist-1,1,,0.9,0.81,192,,2,1,1,2500');
    assert.equal(csv[2], 'FedAvg-run-mnist-1,1,1,1,0.9,96,0.25,,,,');
    assert.equal(csv.length, 1 + 2 * 3);
    const json = JSON.parse(seriesToJson(series)) as { run: { id: string; status: string }; rounds: { round: number; aggregate: Record<string, unknown>; learners: Record<string, unknown>[] }[] };
    assert.equal(json.run.id, 'mnist-1');
    assert.deepEqual(json.rounds[1]?.aggregate, { train_num_examples: 192, eval_loss: null, eval_accuracy: 0.82 });
    assert.deepEqual(json.rounds[1]?.learners[0], { learner: 1, train_num_examples: 96, train_train_seconds: 0.3, eval_loss: null, eval_accuracy: 0.9 });
    const markdown = seriesToMarkdown(series).split('\n');
    assert.equal(markdown[0], '**FedAvg-run-mnist-1** (failed), round 2 of 3');
    assert.equal(markdown[2], '| | eval_loss | eval_accuracy | train_num_examples | train_train_seconds |');
    assert.equal(markdown[4], '| aggregate | — | 0.82 | 192 | — |');
    assert.equal(markdown[5], '| learner 1 | — | 0.9 | 96 | 0.3 |');
  });

  it('tells a truncated record and a newer version from a valid one', () => {
    const text = JSON.stringify(recordOf(events()));
    assert.equal(readRunRecord(text).kind, 'record');
    const cut = readRunRecord(text.slice(0, 200));
    assert.equal(cut.kind, 'truncated');
    const newer = readRunRecord(JSON.stringify({ ...JSON.parse(text), v: 2 }));
    assert.equal(newer.kind, 'newer');
    assert.match(newer.kind === 'newer' ? newer.problem : '', /newer FLOps \(record version 2; this one reads version 1\): update the extension/);
    assert.equal(readRunRecord('{"v":1}').kind, 'invalid');
  });
});
