import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { FlError } from '../../../extension/core/errors';
import { mlflowSeries } from '../../../extension/core/metrics/mlflow-series';
import { MlflowClient, tolerantJson } from '../../../extension/io/mlflow-client';
import { FakeMlflowServer, type FakeRun } from '../fakes/fake-mlflow-server';

/** The MLflow client and the MLflow fold against the fake tracking server (flower-mlflow.md §8). */

function serverRun(experimentId: string, id: string, rounds: number, extra: Partial<FakeRun> = {}): FakeRun {
  const points = (f: (round: number) => number | string) => Array.from({ length: rounds }, (_, i) => ({ step: i + 1, value: f(i + 1), timestamp: 1000 + i }));
  return {
    id,
    name: `FedAvg-run-${id}`,
    experimentId,
    status: 'FINISHED',
    startTime: 1000,
    endTime: 9000,
    tags: { 'fl.role': 'server', 'fl.run_id': id, 'fl.strategy': 'FedAvg' },
    params: { rounds: String(rounds), learners: '2' },
    metrics: { eval_loss: points((r) => 1 / r), eval_accuracy: points((r) => (r === 2 ? 'NaN' : 0.5 + r / 100)), train_num_examples: points(() => 96) },
    ...extra,
  };
}

function rejectsWith(pattern: RegExp, kind: string) {
  return (error: unknown) => error instanceof FlError && error.kind === kind && pattern.test(error.message);
}

describe('io: MLflow client', function () {
  this.timeout(20_000);
  let fake: FakeMlflowServer;
  afterEach(async () => fake.stop());

  it('follows page tokens of experiments, runs and metric histories; NaN strings become null', async () => {
    fake = await new FakeMlflowServer({ pageSize: 3 }).start();
    for (let i = 0; i < 7; i++) fake.addExperiment(`other-${i}`);
    const id = fake.addExperiment('flops-mnist');
    for (let i = 0; i < 5; i++) fake.runs.push(serverRun(id, `r${i}`, 2, { startTime: 1000 + i }));
    fake.runs.push(serverRun(id, 'long', 10, { startTime: 5000 }));
    const client = new MlflowClient({ url: `${fake.url}/` });
    assert.equal((await client.experiments()).length, 8);
    const runs = await client.runs(id);
    assert.equal(runs.length, 6);
    assert.equal(runs[0]?.id, 'long', 'newest first');
    const history = await client.history('long', 'eval_accuracy');
    assert.equal(history.length, 10);
    assert.equal(history[1]?.value, null);
    assert.ok(fake.requests.filter((r) => r.endsWith('metrics/get-history')).length >= 4, 'the history was paged');
  });

  it('reads bare NaN/Infinity tokens and 2.x histories without pages', async () => {
    fake = await new FakeMlflowServer({ version: 2, nanTokens: true }).start();
    const id = fake.addExperiment('e');
    fake.runs.push(serverRun(id, 'a', 3, { metrics: { eval_loss: [{ step: 1, value: 'Infinity', timestamp: 1 }, { step: 2, value: 0.5, timestamp: 2 }] } }));
    const client = new MlflowClient({ url: fake.url });
    assert.deepEqual((await client.history('a', 'eval_loss')).map((p) => p.value), [null, 0.5]);
    assert.deepEqual(tolerantJson('{"a": NaN, "b": "NaN text", "c": -Infinity}'), { a: null, b: 'NaN text', c: null });
  });

  it('folds our scheme into rounds by step, with per-learner child runs', async () => {
    fake = await new FakeMlflowServer({ pageSize: 2 }).start();
    const id = fake.addExperiment('flops-mnist');
    fake.runs.push(serverRun(id, 'srv', 3));
    for (const partition of [1, 0]) {
      fake.runs.push({ id: `c${partition}`, name: `learner-${partition}`, experimentId: id, status: 'FINISHED', startTime: 900, tags: { 'fl.role': 'client', 'mlflow.parentRunId': 'srv', 'fl.partition_id': String(partition) }, params: {}, metrics: { train_loss: [1, 2, 3].map((step) => ({ step, value: partition + step / 10, timestamp: step })) } });
    }
    const result = await mlflowSeries(new MlflowClient({ url: fake.url }), 'flops-mnist', undefined);
    assert.equal(result.kind, 'series');
    if (result.kind !== 'series') return;
    const { series } = result;
    assert.equal(series.run.label, 'FedAvg-run-srv');
    assert.equal(series.run.status, 'succeeded');
    assert.deepEqual(series.rounds.map((r) => r.round), [1, 2, 3]);
    assert.deepEqual(series.rounds[1]?.aggregate, { eval_loss: 0.5, eval_accuracy: null, train_num_examples: 96 });
    assert.deepEqual(series.rounds[2]?.learners.map((l) => [l.learner, l.metrics['train_loss']]), [[1, 0.3], [2, 1.3]]);
    const missing = await mlflowSeries(new MlflowClient({ url: fake.url }), 'flops-mnist', 'nope');
    assert.equal(missing.kind, 'missing');
    assert.match(missing.kind === 'missing' ? missing.message : '', /no run "nope"; its runs: FedAvg-run-srv/);
    const noExperiment = await mlflowSeries(new MlflowClient({ url: fake.url }), 'absent', undefined);
    assert.match(noExperiment.kind === 'missing' ? noExperiment.message : '', /has no experiment "absent"/);
  });

  it("folds FLOps' add-on scheme: one run per round with the aggregator's metrics", async () => {
    fake = await new FakeMlflowServer().start();
    const id = fake.addExperiment('FLOps Project 42');
    for (let round = 1; round <= 3; round++) {
      fake.runs.push({ id: `p${round}`, name: `round ${round}`, experimentId: id, status: round === 3 ? 'RUNNING' : 'FINISHED', startTime: round * 100, ...(round < 3 ? { endTime: round * 100 + 50 } : {}), tags: {}, params: {}, metrics: { accuracy: [{ step: 0, value: round / 10, timestamp: round }], loss: [{ step: 0, value: 'NaN', timestamp: round }] } });
    }
    const result = await mlflowSeries(new MlflowClient({ url: fake.url }), 'FLOps Project 42', undefined);
    assert.ok(result.kind === 'series' && result.running);
    assert.deepEqual(result.series.rounds.map((r) => [r.round, r.aggregate['accuracy'], r.aggregate['loss']]), [[1, 0.1, null], [2, 0.2, null], [3, 0.3, null]]);
    assert.equal(result.series.run.status, 'running');
    assert.equal(result.series.rounds[0]?.durationMs, 50);
  });

  it('says what is wrong: token refused, not a tracking server, unreachable, not a URL, TLS', async () => {
    fake = await new FakeMlflowServer({ token: 's3cret' }).start();
    await assert.rejects(new MlflowClient({ url: fake.url }).experiments(), rejectsWith(/refused access \(401 Unauthorized\)\. Set a valid token/, 'trackerUnavailable'));
    await assert.rejects(new MlflowClient({ url: fake.url, token: 'wrong' }).experiments(), rejectsWith(/403 Forbidden/, 'trackerUnavailable'));
    assert.deepEqual(await new MlflowClient({ url: fake.url, token: 's3cret' }).experiments(), []);
    await assert.rejects(new MlflowClient({ url: `${fake.url}/proxy`, token: 's3cret' }).experiments(), rejectsWith(/does not serve the MLflow REST API \(404 on experiments\/search\)/, 'trackerUnavailable'));
    await assert.rejects(new MlflowClient({ url: fake.url, token: 's3cret' }).history('gone', 'loss'), rejectsWith(/Run 'gone' not found/, 'notFound'));

    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    await assert.rejects(new MlflowClient({ url: `http://127.0.0.1:${port}` }).experiments(), rejectsWith(/is unreachable \(ECONNREFUSED\)\. Check the URL/, 'trackerUnavailable'));
    assert.throws(() => new MlflowClient({ url: 'localhost:5000' }), rejectsWith(/not an http\(s\) URL|is not a URL/, 'invalidInput'));
    // A plain-HTTP server spoken to over TLS fails the handshake: reported as a TLS problem.
    await assert.rejects(new MlflowClient({ url: fake.url.replace('http:', 'https:') }).experiments(), rejectsWith(/TLS connection failed|unreachable/, 'trackerUnavailable'));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(new MlflowClient({ url: fake.url, token: 's3cret' }).experiments(controller.signal), rejectsWith(/Cancelled/, 'cancelled'));
  });
});
