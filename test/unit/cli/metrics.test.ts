import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../../../extension/core/runs/run-record';
import { FakeMlflowServer } from '../fakes/fake-mlflow-server';
import { distDir } from '../repo-paths';

/** `flops metrics` of the built CLI: local runs from the run history, and MLflow runs from the fake server. */

function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(distDir, 'cli.js'), 'metrics', ...args], { timeout: 30_000, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

function record(runId: string, startedAt: number, rounds: number): RunRecord {
  return {
    v: 1,
    runId,
    repo: '/r',
    owner: '1@h',
    startedAt,
    finishedAt: startedAt + 1000,
    outcome: 'succeeded',
    image: 'flops-sim/r:1',
    config: { learners: 2, rounds, strategy: 'FedAvg', profiles: [] },
    rounds: Array.from({ length: rounds }, (_, i) => ({
      round: i + 1,
      rounds,
      strategy: 'FedAvg',
      train: { 'num-examples': 10 },
      evaluate: { loss: 1 / (i + 1), accuracy: null },
      nodes: { train: 2, evaluate: 2 },
      failures: { train: 0, evaluate: 0 },
      timeMs: startedAt + i * 100,
      learners: [0, 1].map((learner) => ({ learner, node: `n${learner}`, train: { 'num-examples': 5 }, evaluate: { loss: learner + 1 / (i + 1) } })),
    })),
    failures: [],
    timeline: [],
  };
}

describe('flops metrics', function () {
  this.timeout(60_000);
  const repo = mkdtempSync(path.join(tmpdir(), 'flops-metrics-cli-'));
  const runs = path.join(repo, '.flops/runs');
  before(() => {
    mkdirSync(runs, { recursive: true });
    writeFileSync(path.join(runs, 'old.json'), JSON.stringify(record('old', 1000, 2)));
    writeFileSync(path.join(runs, 'new.json'), JSON.stringify(record('new', 2000, 3)));
    writeFileSync(path.join(runs, 'cut.json'), JSON.stringify(record('cut', 3000, 3)).slice(0, 120));
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('prints the latest run as CSV, a chosen one as JSON and markdown, and says what it skipped', async () => {
    const csv = await cli([repo]);
    assert.equal(csv.status, 0, csv.stderr);
    assert.equal(csv.stdout.split('\n')[0], 'run,round,learner,eval_loss,eval_accuracy,train_num_examples,sampled,replied,failed,duration_ms');
    assert.equal(csv.stdout.trimEnd().split('\n').length, 1 + 3 * 3);
    assert.match(csv.stderr, /Skipped .*cut\.json: not complete JSON/);
    const json = await cli([repo, '--run', 'old', '--format', 'json']);
    const parsed = JSON.parse(json.stdout) as { run: { id: string }; rounds: { aggregate: Record<string, unknown>; learners: Record<string, unknown>[] }[] };
    assert.equal(parsed.run.id, 'old');
    assert.deepEqual(parsed.rounds[1]?.aggregate, { train_num_examples: 10, eval_loss: 0.5, eval_accuracy: null });
    assert.deepEqual(parsed.rounds[1]?.learners[1], { learner: 2, train_num_examples: 5, eval_loss: 1.5 });
    const markdown = await cli([repo, '--format', 'markdown']);
    assert.match(markdown.stdout, /^\*\*FedAvg-run-new\*\* \(succeeded\), round 3 of 3\n/);
    assert.match(markdown.stdout, /\| learner 2 \| 1\.333 \| — \| 5 \|/);
  });

  it('exits 1 for an unknown run, 2 for bad usage', async () => {
    const unknown = await cli([repo, '--run', 'nope']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no run "nope" in .*; recorded runs: new, old/);
    const format = await cli([repo, '--format', 'xml']);
    assert.equal(format.status, 2);
    assert.match(format.stderr, /Unknown format "xml"/);
    const experiment = await cli(['--mlflow', 'http://127.0.0.1:1']);
    assert.equal(experiment.status, 2);
    assert.match(experiment.stderr, /--mlflow needs --experiment NAME/);
    const empty = mkdtempSync(path.join(tmpdir(), 'flops-metrics-empty-'));
    const none = await cli([empty]);
    rmSync(empty, { recursive: true, force: true });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no runs recorded for .* yet \(flops sim up starts one\)/);
  });

  it('reads an MLflow run with the token from FLOPS_MLFLOW_TOKEN, and says when MLflow refuses', async () => {
    const fake = await new FakeMlflowServer({ token: 't0k' }).start();
    try {
      const id = fake.addExperiment('flops-r');
      fake.runs.push({ id: 'abc', name: 'FedAvg-run-7', experimentId: id, status: 'FINISHED', startTime: 1, endTime: 2, tags: { 'fl.role': 'server' }, params: { rounds: '2' }, metrics: { eval_loss: [1, 2].map((step) => ({ step, value: 1 / step, timestamp: step })) } });
      const ok = await cli(['--mlflow', fake.url, '--experiment', 'flops-r', '--format', 'markdown'], { FLOPS_MLFLOW_TOKEN: 't0k' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /\*\*FedAvg-run-7\*\* \(succeeded\), round 2 of 2\n\n\| \| eval_loss \|\n\|---\|---:\|\n\| aggregate \| 0\.5 \|/);
      const refused = await cli(['--mlflow', fake.url, '--experiment', 'flops-r']);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /refused access \(401 Unauthorized\)/);
      const missing = await cli(['--mlflow', fake.url, '--experiment', 'other'], { FLOPS_MLFLOW_TOKEN: 't0k' });
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /has no experiment "other"/);
    } finally {
      await fake.stop();
    }
  });
});
