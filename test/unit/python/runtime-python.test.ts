import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { projectFileSchema } from '../../../extension/core/config/project-file';
import { renderRuntime } from '../../../extension/core/generate/render';
import { testPython, testPythonMissing } from '../../python/python-env';
import { fixturesDir, repoRoot } from '../repo-paths';
import { skipWithReason } from '../skip-with-reason';
import { pythonFixtures, type PythonRun, runPython } from './python-run';

/**
 * The generated Python, checked by Python: every template compiles, pyproject.toml parses, and the
 * Flower-free adapter and flops_utils shim run for real against the ready-sklearn fixture (two
 * learners, fit/evaluate, FedAvg) in the test venv (test/python/python-env.ts: real `datasets`,
 * numpy, scikit-learn). Flower cannot be installed here: the ServerApp/ClientApp are only compiled.
 */

const python = testPython() ?? '/usr/bin/python3';

function run(args: readonly string[], cwd: string): Promise<PythonRun> {
  return runPython(args, cwd, {}, 120_000);
}

/** Why this machine cannot run the test, or undefined when it can. */
async function missingPrerequisite(): Promise<string | undefined> {
  if (testPython() === undefined) return testPythonMissing();
  const probe = await run(['-c', 'import numpy, sklearn, datasets'], repoRoot);
  return probe.status === 0 ? undefined : `the test Python cannot import numpy, sklearn and datasets: ${probe.stderr.trim().split('\n').pop() ?? ''}`;
}

interface Summary {
  iid_sizes: number[];
  dirichlet_sizes: number[];
  label_skew: { iid: number; dirichlet: number };
  initial_shapes: number[][];
  iid: RoundSummary;
  dirichlet: RoundSummary;
  partition_rows_seen: { iid: number[]; dirichlet: number[] };
  aggregator_calls: string[];
  learner_calls: unknown[];
  float_count_rejected: boolean;
  proximal_term: number;
  saved_roundtrip: boolean;
  metrics_line: string;
  round_failures: (string | null)[];
  example_total: Record<string, number>;
  example_total_none: null;
  fedprox_arguments: Record<string, number>;
  krum_arguments: Record<string, number>;
  unknown_strategy_rejected: boolean;
  missing_tag_message: string | null;
  csv_columns: Record<string, unknown[]>;
  mlflow_requests: [string, string, Record<string, unknown> | null][];
  mlflow_warnings: string[];
  mlflow_down_warnings: number;
  mlflow_down_enabled: boolean;
}

interface RoundSummary {
  train_examples: number[];
  eval_examples: number[];
  accuracy: number[];
  aggregated_metrics: { loss: number; accuracy: number; 'num-examples': number };
  plain_mean_differs: boolean;
  round2_train_examples: number[];
  aggregate_changed_model: boolean;
}

describe('generated Python runtime (run in the test venv, real datasets)', function () {
  let work: string;
  let appDir: string;
  let summary: Summary | undefined;
  let prerequisite: string | undefined;

  before(async function () {
    prerequisite = await missingPrerequisite();
    if (prerequisite !== undefined && process.env['FLOPS_TEST_STRICT'] === '1') {
      throw new Error(`FLOPS_TEST_STRICT=1 and ${prerequisite}`);
    }
    work = mkdtempSync(path.join(tmpdir(), 'flops-runtime-'));
    appDir = path.join(work, 'app');
    for (const f of renderRuntime({
      config: projectFileSchema.parse({ ml_model_flavor: 'sklearn', flower: { version: '1.23.0' } }),
      flavor: 'sklearn',
      repoName: 'ready-sklearn',
      dependencies: { source: 'conda.yaml', requirements: ['numpy==1.26.*', 'scikit-learn==1.5.*'], skipped: [] },
    })) {
      const target = path.join(appDir, f.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
  });
  after(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  function requirePython(ctx: Mocha.Context): void {
    if (prerequisite !== undefined) skipWithReason(ctx, prerequisite);
  }

  it('waits for the SuperLink before starting flwr run (flops_app.wait_for), and gives up at its deadline', async function () {
    requirePython(this);
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = await run(['-m', 'flops_app.wait_for', `127.0.0.1:${port}`, '--timeout', '10', '--', python, '-c', 'print("started")'], appDir);
      assert.equal(started.status, 0, started.stderr);
      assert.equal(started.stdout.trim(), 'started');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const refused = await run(['-m', 'flops_app.wait_for', `127.0.0.1:${port}`, '--timeout', '1', '--', python, '-c', 'print("started")'], appDir);
      assert.equal(refused.status, 1);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /did not accept connections within 1 s/);
      const usage = await run(['-m', 'flops_app.wait_for', `127.0.0.1:${port}`], appDir);
      assert.equal(usage.status, 2);
    } finally {
      if (server.listening) server.close();
    }
  });

  it('compiles every generated Python file', async function () {
    requirePython(this);
    const sources = renderRuntime({
      config: projectFileSchema.parse({}),
      flavor: 'sklearn',
      repoName: 'x',
      dependencies: { source: 'requirements.txt', requirements: [], skipped: [] },
    }).filter((f) => f.path.endsWith('.py'));
    assert.ok(sources.length >= 10);
    const script = 'import sys\nfor path in sys.argv[1:]:\n    compile(open(path, encoding="utf-8").read(), path, "exec")\nprint("ok")\n';
    const result = await run(['-c', script, ...sources.map((f) => path.join(appDir, f.path))], appDir);
    assert.equal(result.status, 0, result.stderr);
    const pyCompile = await run(['-m', 'py_compile', path.join(appDir, 'flops_app/server_app.py'), path.join(appDir, 'flops_app/client_app.py')], appDir);
    assert.equal(pyCompile.status, 0, pyCompile.stderr);
  });

  it('renders a pyproject.toml that Python\'s TOML parser reads, with the Flower app tables', async function () {
    requirePython(this);
    const script = 'import json, sys, tomllib\nprint(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))\n';
    const result = await run(['-c', script, path.join(appDir, 'pyproject.toml')], appDir);
    assert.equal(result.status, 0, result.stderr);
    const toml = JSON.parse(result.stdout) as { project: { name: string; dependencies: string[] }; tool: { flwr: { app: { publisher: string; components: Record<string, string>; config: Record<string, unknown> }; federations: Record<string, unknown> } } };
    assert.equal(toml.project.name, 'ready-sklearn');
    assert.ok(toml.project.dependencies.includes('flwr==1.23.0'));
    assert.deepEqual(toml.tool.flwr.app.components, { serverapp: 'flops_app.server_app:app', clientapp: 'flops_app.client_app:app' });
    assert.equal(toml.tool.flwr.app.config['strategy'], 'FedAvg');
    assert.equal(toml.tool.flwr.app.config['fraction-train'], 1);
    assert.equal(toml.tool.flwr.federations['default'], 'flops');
  });

  it('runs the adapter and the shim with scikit-learn and real datasets: two learners, fit/evaluate, FedAvg', async function () {
    requirePython(this);
    const repo = path.join(work, 'repo');
    cpSync(path.join(fixturesDir, 'ready-sklearn'), repo, { recursive: true });
    const data = path.join(work, 'run');
    mkdirSync(data);
    const result = await run([path.join(pythonFixtures, 'runtime_roundtrip.py'), appDir, repo, data], data);
    assert.equal(result.status, 0, `${result.stderr}\n${result.stdout}`);
    summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Summary;
    const s = summary;

    // The aggregator's parameters come from its own ModelManager(): [coef (10 x 784), intercept (10)].
    assert.deepEqual(s.initial_shapes, [[10, 784], [10]]);
    assert.deepEqual(s.aggregator_calls, ['__init__', 'get_model_parameters']);

    // Two learners, each on its own partition (240 rows): 80/20 split of its part by the user's DataManager.
    assert.deepEqual(s.iid_sizes, [120, 120]);
    assert.equal(s.dirichlet_sizes[0]! + s.dirichlet_sizes[1]!, 240);
    assert.deepEqual(s.iid.train_examples, [96, 96]);
    assert.deepEqual(s.iid.eval_examples, [24, 24]);
    assert.deepEqual(s.partition_rows_seen.iid, s.iid_sizes);
    assert.ok(s.label_skew.dirichlet > 2 * s.label_skew.iid, `dirichlet skew ${s.label_skew.dirichlet} vs iid ${s.label_skew.iid}`);

    // Non-IID learners have different example counts, and FedAvg weights by them.
    const [n0, n1] = s.dirichlet.train_examples as [number, number];
    assert.notEqual(n0, n1);
    assert.equal(s.dirichlet.plain_mean_differs, true);
    assert.equal(s.iid.plain_mean_differs, false);
    for (const round of [s.iid, s.dirichlet]) {
      assert.ok(round.aggregate_changed_model);
      assert.deepEqual(round.round2_train_examples, round.train_examples);
      const [e0, e1] = round.eval_examples as [number, number];
      const [a0, a1] = round.accuracy as [number, number];
      assert.equal(round.aggregated_metrics['num-examples'], e0 + e1);
      assert.ok(Math.abs(round.aggregated_metrics.accuracy - (a0 * e0 + a1 * e1) / (e0 + e1)) < 1e-12);
      // The synthetic classes are separable: training really happened.
      assert.ok(round.aggregated_metrics.accuracy > 0.5, `accuracy ${round.aggregated_metrics.accuracy}`);
    }
  });

  it('keeps FLOps\' call order and passes the round config to repos that accept it', function () {
    requirePython(this);
    assert.ok(summary !== undefined, 'no summary: the round-trip run above failed');
    const s = summary;
    assert.deepEqual(s.learner_calls, [
      '__init__',
      'set_model_data',
      ['set_round_config', [['learning_rate', 0.1], ['local_epochs', 2], ['proximal_mu', 0.5]]],
      'set_model_parameters',
      'fit_model',
      'get_model_parameters',
      ['set_round_config', []],
      'set_model_parameters',
      'evaluate_model',
    ]);
    assert.equal(s.float_count_rejected, true);
    assert.equal(s.proximal_term, 1.25);
    assert.equal(s.saved_roundtrip, true);
  });

  it('logs to MLflow over REST (a fake server with the documented contract), and keeps training when it is down', function () {
    requirePython(this);
    assert.ok(summary !== undefined, 'no summary: the round-trip run above failed');
    const calls = summary.mlflow_requests.map(([method, url]) => `${method} ${url.replace('/api/2.0/mlflow/', '')}`);
    assert.deepEqual(calls, ['GET experiments/get-by-name?experiment_name=flops', 'POST experiments/create', 'POST runs/create', 'POST runs/log-batch', 'POST runs/log-batch', 'POST runs/update']);
    const body = (i: number): Record<string, unknown> => summary?.mlflow_requests[i]?.[2] ?? {};
    assert.deepEqual(body(2), {
      experiment_id: '7',
      run_name: 'FedAvg-run-42',
      start_time: 1500,
      tags: [
        { key: 'fl.role', value: 'server' },
        { key: 'fl.run_id', value: '42' },
        { key: 'fl.strategy', value: 'FedAvg' },
      ],
    });
    assert.deepEqual(body(3)['params'], [
      { key: 'strategy', value: 'FedAvg' },
      { key: 'rounds', value: '3' },
    ]);
    const metrics = body(4)['metrics'] as { key: string; value: unknown; step: number }[];
    assert.deepEqual(
      metrics.map((m) => [m.key, m.value, m.step]),
      [
        ['train_loss', 0.5, 1],
        ['train_loss', 0.4, 1],
        ['train_accuracy', 'NaN', 1],
        ['train_num-examples', 48, 1],
      ],
    );
    assert.deepEqual(body(5), { run_id: 'abc123', status: 'FINISHED', end_time: 1500 });
    assert.deepEqual(summary.mlflow_warnings, []);
    assert.equal(summary.mlflow_down_warnings, 1);
    assert.equal(summary.mlflow_down_enabled, false);
  });

  it('prints the documented metrics line (version 1) and maps strategy settings', function () {
    requirePython(this);
    assert.ok(summary !== undefined, 'no summary: the round-trip run above failed');
    const s = summary;
    assert.ok(s.metrics_line.endsWith('\n') && !s.metrics_line.slice(0, -1).includes('\n'));
    const line = JSON.parse(s.metrics_line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(line), ['flops', 'v', 'run_id', 'round', 'rounds', 'strategy', 'time_ms', 'train', 'evaluate', 'nodes', 'failures', 'learners']);
    assert.equal(line['flops'], 'round');
    assert.equal(line['v'], 1);
    assert.equal(line['run_id'], '12345678901234567890');
    // README documents exactly this format.
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const start = readme.indexOf('### Metrics line format');
    assert.ok(start >= 0, 'README has a "Metrics line format" section');
    const section = readme.slice(start, readme.indexOf('\n## ', start));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(documented, Object.keys(line));
    assert.deepEqual(line['evaluate'], { loss: null, accuracy: 0.75, 'num-examples': 48 });
    assert.deepEqual(line['nodes'], { train: 2, evaluate: 2 });
    assert.deepEqual(line['failures'], { train: 0, evaluate: 1 });
    // The partition id the learners add to their replies is not a metric: out of the aggregate too.
    assert.deepEqual(line['train'], { 'num-examples': 160, 'train-seconds': 0.1 });
    // Per learner, by partition id, train and evaluate of the same node together; a failed reply keeps its error.
    assert.deepEqual(line['learners'], [
      { learner: 0, node: '11', train: { 'num-examples': 70, 'train-seconds': null }, evaluate: { loss: 0.4, accuracy: 0.8, 'num-examples': 48 } },
      { learner: 1, node: '22', train: { 'num-examples': 90, 'train-seconds': 0.2 }, evaluate: null, error: "evaluate: <class 'ValueError'>:<'bad'>" },
    ]);
    // A round fails only when no train reply came back without error; the message keeps the distinct errors.
    assert.deepEqual(s.round_failures, [
      null,
      "Round 2: no learner returned a train result (3 failed: node 7: <class 'AttributeError'>:<'x'>; node 8: <class 'AttributeError'>:<'x'>; node 9: other)",
      'Round 3: no learner replied to the train messages',
      'Round 4: no learner returned a train result (5 failed: node 0: e0; node 1: e1; node 2: e2; and 2 other errors)',
    ]);
    assert.deepEqual(s.example_total, { loss: 0.5, 'num-examples': 7 });
    assert.equal(s.example_total_none, null);
    assert.deepEqual(s.fedprox_arguments, { min_train_nodes: 2, proximal_mu: 0.1 });
    assert.deepEqual(s.krum_arguments, { num_malicious_nodes: 1 });
    assert.equal(s.unknown_strategy_rejected, true);
    assert.equal(s.missing_tag_message, "No matching data found for provided data tags '['mnist']'");
    assert.deepEqual(s.csv_columns, { a: [1, 3], b: [2.5, null], label: ['x', 'y'] });
  });
});
